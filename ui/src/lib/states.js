// State names of DESIGN §3 and the colour of each. One palette for badges,
// counters and DAG nodes, so a colour means the same thing everywhere:
// green done, red failed, blue working, amber waiting to retry, greys idle.

export const JOB_STATES = ['PENDING', 'RUNNING', 'SUCCEEDED', 'FAILED', 'CANCELLED'];
export const TASK_STATES = [
  'PENDING',
  'QUEUED',
  'ASSIGNED',
  'RUNNING',
  'RETRYING',
  'SUCCEEDED',
  'FAILED',
  'CANCELLED',
  'SKIPPED',
];
export const WORKER_STATES = ['READY', 'DRAINING', 'LOST', 'GONE'];

// fill, text and border of a state; text colours keep a 4.5:1 contrast.
const PALETTE = {
  PENDING: { fill: '#e5e7eb', text: '#1f2937', border: '#9ca3af' },
  QUEUED: { fill: '#dbeafe', text: '#1e3a8a', border: '#60a5fa' },
  ASSIGNED: { fill: '#c7d2fe', text: '#312e81', border: '#6366f1' },
  RUNNING: { fill: '#2563eb', text: '#ffffff', border: '#1d4ed8' },
  RETRYING: { fill: '#f59e0b', text: '#451a03', border: '#b45309' },
  SUCCEEDED: { fill: '#15803d', text: '#ffffff', border: '#166534' },
  FAILED: { fill: '#dc2626', text: '#ffffff', border: '#991b1b' },
  CANCELLED: { fill: '#4b5563', text: '#ffffff', border: '#374151' },
  SKIPPED: { fill: '#f9fafb', text: '#4b5563', border: '#9ca3af', dashed: true },
  READY: { fill: '#15803d', text: '#ffffff', border: '#166534' },
  DRAINING: { fill: '#f59e0b', text: '#451a03', border: '#b45309' },
  LOST: { fill: '#dc2626', text: '#ffffff', border: '#991b1b' },
  GONE: { fill: '#e5e7eb', text: '#1f2937', border: '#9ca3af' },
};

// Attempt outcomes (lower case in the API) in the same scheme.
const OUTCOME_AS = {
  succeeded: 'SUCCEEDED',
  exit: 'FAILED',
  signal: 'FAILED',
  timeout: 'FAILED',
  oom: 'FAILED',
  killed: 'FAILED',
  lost: 'RETRYING',
  interrupted: 'RETRYING',
  cancelled: 'CANCELLED',
};

const UNKNOWN = { fill: '#ffffff', text: '#111827', border: '#111827' };

export function colours(state) {
  return PALETTE[state] ?? PALETTE[OUTCOME_AS[state]] ?? UNKNOWN;
}

export function isJobFinished(state) {
  return state === 'SUCCEEDED' || state === 'FAILED' || state === 'CANCELLED';
}

export function isTaskFinished(state) {
  return isJobFinished(state) || state === 'SKIPPED';
}
