// Hash routing ("#/jobs/ID?task=fetch"), so the server serves one page at "/"
// and needs no fallback for deep links. `route` is reactive state that every
// page reads; navigate() changes the hash, which updates it.

function decode(segment) {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment; // a stray "%": show it as typed
  }
}

function parse() {
  const hash = location.hash.replace(/^#/, '') || '/jobs';
  const q = hash.indexOf('?');
  const path = q < 0 ? hash : hash.slice(0, q);
  const query = Object.fromEntries(new URLSearchParams(q < 0 ? '' : hash.slice(q + 1)));
  const segments = path.split('/').filter(Boolean).map(decode);
  return { path, segments, query };
}

export const route = $state(parse());

window.addEventListener('hashchange', () => Object.assign(route, parse()));

// `query` values that are empty are left out of the URL.
export function href(path, query = {}) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== null && v !== '') q.set(k, v);
  const qs = q.toString();
  // Segments such as job ids and task names are encoded by the caller with encodeURIComponent.
  return `#${path}${qs ? `?${qs}` : ''}`;
}

export function navigate(path, query = {}) {
  location.hash = href(path, query);
}
