// Times, durations and sizes as people read them. API times are RFC 3339 UTC
// strings; the UI shows local time, with the full UTC value in a tooltip.

export function parseTime(text) {
  if (!text) return null;
  const t = Date.parse(text);
  return Number.isNaN(t) ? null : t;
}

const pad = (n, w = 2) => String(n).padStart(w, '0');

// "14:05:03" today, "Nov 23 14:05:03" on other days.
export function formatTime(text, now = Date.now()) {
  const t = parseTime(text);
  if (t === null) return '—';
  const d = new Date(t);
  const clock = `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
  if (new Date(now).toDateString() === d.toDateString()) return clock;
  return `${d.toLocaleString('en', { month: 'short' })} ${d.getDate()} ${clock}`;
}

// "850ms", "12.3s", "4m 05s", "2h 03m".
export function formatDuration(ms) {
  if (ms === null || ms === undefined || Number.isNaN(ms)) return '—';
  if (ms < 0) ms = 0;
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  const s = Math.floor(ms / 1000);
  if (s < 3600) return `${Math.floor(s / 60)}m ${pad(s % 60)}s`;
  return `${Math.floor(s / 3600)}h ${pad(Math.floor((s % 3600) / 60))}m`;
}

// From `start` to `end`, or to now while still running. `now` is a page's
// once-a-second tick (so the figure re-renders); the clock is read too, as
// the tick may predate a start that just arrived.
export function elapsed(start, end, now = Date.now()) {
  const a = parseTime(start);
  if (a === null) return null;
  const b = parseTime(end) ?? Math.max(now, Date.now());
  return b - a;
}

export function ago(text, now = Date.now()) {
  const t = parseTime(text);
  if (t === null) return '—';
  return `${formatDuration(now - t)} ago`;
}

export function formatBytes(n) {
  if (n === null || n === undefined) return '—';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return `${i === 0 ? n : n.toFixed(1)} ${units[i]}`;
}

export function shortId(id) {
  return id && id.length > 12 ? `${id.slice(0, 4)}…${id.slice(-6)}` : (id ?? '');
}
