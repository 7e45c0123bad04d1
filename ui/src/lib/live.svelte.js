// Live updates for every page from one connection: GET /api/v1/events?follow=true,
// server-sent events (`id: <seq>`, `event: job|task|attempt|worker`, `data: <Event>`).
// EventSource resumes by itself with Last-Event-ID after a dropped connection.
//
// subscribe(fn) calls fn(event) for each event, and fn(null) on each tick of
// the fallback: when the stream fails (a server without follow answers JSON,
// which EventSource refuses; or the server is gone) the pages are told to
// re-fetch every 2 seconds, and the stream is tried again every 15 seconds.
// Pages treat an event as "something changed" and re-fetch what they show,
// so a missed or repeated event costs a fetch, never a wrong screen.

const STREAM_URL = '/api/v1/events?follow=true';
const POLL_MS = 2000;
const RECONNECT_MS = 15000;
const EVENT_TYPES = ['job', 'task', 'attempt', 'worker', 'message'];

// 'connecting' | 'live' | 'polling': shown in the header.
export const live = $state({ mode: 'connecting' });

const listeners = new Set();
let source = null;
let pollTimer = null;
let reconnectTimer = null;

function emit(event) {
  for (const fn of [...listeners]) fn(event);
}

function startPolling() {
  live.mode = 'polling';
  if (pollTimer === null) pollTimer = setInterval(() => emit(null), POLL_MS);
}

function stopPolling() {
  if (pollTimer !== null) clearInterval(pollTimer);
  pollTimer = null;
}

function onMessage(message) {
  let event;
  try {
    event = JSON.parse(message.data);
  } catch {
    return; // not an Event: nothing to act on
  }
  if (event && typeof event === 'object') emit(event);
}

function connect() {
  if (typeof EventSource === 'undefined') return startPolling();
  source = new EventSource(STREAM_URL);
  source.onopen = () => {
    live.mode = 'live';
    stopPolling();
    // Whatever happened while disconnected is unknown: one refresh.
    emit(null);
  };
  for (const type of EVENT_TYPES) source.addEventListener(type, onMessage);
  source.onerror = () => {
    startPolling();
    if (source.readyState !== EventSource.CLOSED) return; // the browser retries by itself
    source = null;
    if (reconnectTimer === null) {
      reconnectTimer = setTimeout(() => {
        reconnectTimer = null;
        connect();
      }, RECONNECT_MS);
    }
  };
}

export function subscribe(fn) {
  listeners.add(fn);
  if (source === null && reconnectTimer === null && pollTimer === null) connect();
  return () => listeners.delete(fn);
}
