// Fan-out on the job page. A job's task list holds the DAG's tasks in spec
// order, each forEach task (the "group", which never runs itself) followed
// by its instances `ocr[0]`, `ocr[1]`… (`parent` set, `itemIndex`, `item`).
// The DAG draws only the tasks without a parent; a group shows how many of
// its instances are in each state, and the task list nests them under it.

import { TASK_STATES } from './states.js';

export function isInstance(task) {
  return task?.parent != null;
}

// The DAG's tasks (no parent), in the order given, and the instances of
// each group by its name, in item order. An instance whose parent is not in
// the list (never sent by the server) still appears under that name.
export function groupTasks(tasks) {
  const top = [];
  const instances = new Map();
  for (const t of tasks ?? []) {
    if (!isInstance(t)) {
      top.push(t);
      continue;
    }
    if (!instances.has(t.parent)) instances.set(t.parent, []);
    instances.get(t.parent).push(t);
  }
  for (const list of instances.values()) {
    list.sort((a, b) => (a.itemIndex ?? 0) - (b.itemIndex ?? 0));
  }
  return { top, instances };
}

// [{state, n}] for the states present among `tasks`, in TASK_STATES order
// (the order of the palette and of the job's counters).
export function countByState(tasks) {
  const counts = new Map();
  for (const t of tasks ?? []) counts.set(t.state, (counts.get(t.state) ?? 0) + 1);
  const known = TASK_STATES.filter((s) => counts.has(s)).map((s) => ({ state: s, n: counts.get(s) }));
  const unknown = [...counts.keys()]
    .filter((s) => !TASK_STATES.includes(s))
    .map((s) => ({ state: s, n: counts.get(s) }));
  return [...known, ...unknown];
}

// Short words for the one-line summary in a DAG box; the badges elsewhere
// spell the full state names.
const SHORT = {
  SUCCEEDED: '✓',
  FAILED: 'failed',
  RUNNING: 'running',
  RETRYING: 'retrying',
  QUEUED: 'queued',
  ASSIGNED: 'assigned',
  PENDING: 'pending',
  CANCELLED: 'cancelled',
  SKIPPED: 'skipped',
};

// "12: 10 ✓ 1 running 1 failed" — the total, the instances done, then the
// other states' counts in palette order.
export function countSummary(counts) {
  const total = counts.reduce((sum, c) => sum + c.n, 0);
  if (total === 0) return 'no instances yet';
  const done = counts.filter((c) => c.state === 'SUCCEEDED');
  const rest = counts.filter((c) => c.state !== 'SUCCEEDED');
  const parts = [...done, ...rest].map((c) => `${c.n} ${SHORT[c.state] ?? c.state.toLowerCase()}`);
  return `${total}: ${parts.join(' ')}`;
}

// The instance's item as one line for a table cell: long items are cut,
// an empty one (a literal "" in `items`) is shown as such.
export function itemLabel(item, max = 80) {
  if (item === null || item === undefined) return '';
  if (item === '') return '(empty)';
  const line = String(item).replace(/\s+/g, ' ');
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

// The first `limit` items, with how many were left out: a group can have
// ten thousand instances, which a table should not render at once.
export function firstOf(list, limit) {
  return { shown: list.slice(0, limit), hidden: Math.max(0, list.length - limit) };
}
