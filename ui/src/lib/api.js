// The REST API of DESIGN §5, as the UI uses it. Every call resolves to the
// parsed JSON body or rejects with an ApiError carrying the server's
// {"error": {"code", "message", "field"}}; network failures reject with an
// ApiError of code "UNREACHABLE", so pages show one kind of error.

export const API = '/api/v1';

export class ApiError extends Error {
  constructor(status, code, message, field = null) {
    super(message);
    this.status = status;
    this.code = code;
    this.field = field;
  }
}

async function call(method, path, { body, contentType, query } = {}) {
  const qs = query ? toQuery(query) : '';
  const headers = { Accept: 'application/json' };
  if (contentType) headers['Content-Type'] = contentType;
  let res;
  try {
    res = await fetch(API + path + qs, { method, headers, body });
  } catch (e) {
    throw new ApiError(0, 'UNREACHABLE', `the server did not answer: ${e.message}`);
  }
  const text = await res.text();
  let data = null;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = null;
    }
  }
  if (!res.ok) {
    const err = data && data.error;
    throw new ApiError(
      res.status,
      err?.code ?? `HTTP_${res.status}`,
      err?.message ?? (text || res.statusText),
      err?.field ?? null,
    );
  }
  return data;
}

// "?a=1&b=x" from an object; array values repeat the name, empty ones are left out.
export function toQuery(params) {
  const q = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    for (const v of Array.isArray(value) ? value : [value]) {
      if (v !== undefined && v !== null && v !== '') q.append(key, String(v));
    }
  }
  const s = q.toString();
  return s ? `?${s}` : '';
}

// Task names may hold "[" and "]" (fan-out instances): always encode segments.
const seg = encodeURIComponent;

// YAML unless the text is a JSON object (DESIGN §2 content types).
export function specContentType(text) {
  return text.trimStart().startsWith('{') ? 'application/json' : 'application/yaml';
}

export const api = {
  listJobs: ({ states = [], labels = [], namespace = '', limit = 100, after = '' } = {}) =>
    call('GET', '/jobs', {
      query: { state: states.join(','), label: labels, namespace, limit, after },
    }),
  getJob: (id) => call('GET', `/jobs/${seg(id)}`),
  jobEvents: (id, { since = '', limit = 1000 } = {}) =>
    call('GET', `/jobs/${seg(id)}/events`, { query: { since, limit } }),
  submit: (text, namespace = '') =>
    call('POST', '/jobs', {
      body: text,
      contentType: specContentType(text),
      query: { namespace },
    }),
  cancel: (id) => call('POST', `/jobs/${seg(id)}/cancel`),
  kill: (id) => call('POST', `/jobs/${seg(id)}/kill`),
  retry: (id) => call('POST', `/jobs/${seg(id)}/retry`),
  deleteJob: (id) => call('DELETE', `/jobs/${seg(id)}`),
  workers: () => call('GET', '/workers'),
  drain: (name) => call('POST', `/workers/${seg(name)}/drain`),
  deadLetters: ({ after = '', limit = 1000 } = {}) =>
    call('GET', '/deadletters', { query: { after, limit } }),
  requeue: (taskId) => call('POST', `/deadletters/${seg(taskId)}/requeue`),
};

// The URL of a task's log; `attempt` null means the latest attempt.
export function logUrl(jobId, task, { attempt = null, follow = false } = {}) {
  return `${API}/jobs/${seg(jobId)}/tasks/${seg(task)}/logs${toQuery({
    attempt,
    follow: follow ? 'true' : '',
  })}`;
}

// The URL of a file a task kept (outputs.files). `path` is relative to the
// workspace: each segment is encoded, the '/' between them kept, as the
// server matches the rest of the URL against the task's manifest.
export function outputUrl(jobId, task, path) {
  const segments = String(path).split('/').map(seg).join('/');
  return `${API}/jobs/${seg(jobId)}/tasks/${seg(task)}/outputs/${segments}`;
}
