// node --test: fan-out on the job page (src/lib/fanout.js) and the URLs of
// instances' logs and kept files (src/lib/api.js).
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { logUrl, outputUrl } from '../src/lib/api.js';
import { countByState, countSummary, firstOf, groupTasks, isInstance, itemLabel } from '../src/lib/fanout.js';

const task = (name, state, extra = {}) => ({
  name,
  state,
  parent: null,
  item: null,
  itemIndex: null,
  dependsOn: [],
  attempts: [],
  outputs: [],
  ...extra,
});
const instance = (parent, i, state, item = String(i + 1)) =>
  task(`${parent}[${i}]`, state, { parent, itemIndex: i, item, dependsOn: ['fetch'] });

// As the server lists fetch → ocr (forEach) → join: each group followed by its instances.
const job = [
  task('fetch', 'SUCCEEDED'),
  task('ocr', 'RUNNING', { dependsOn: ['fetch'] }),
  instance('ocr', 0, 'SUCCEEDED'),
  instance('ocr', 1, 'RUNNING'),
  instance('ocr', 2, 'SUCCEEDED'),
  instance('ocr', 3, 'FAILED'),
  task('join', 'PENDING', { dependsOn: ['ocr'] }),
];

test('only tasks without a parent are DAG tasks, in the order given', () => {
  const { top } = groupTasks(job);
  assert.deepEqual(
    top.map((t) => t.name),
    ['fetch', 'ocr', 'join'],
  );
  assert.ok(!isInstance(job[1]));
  assert.ok(isInstance(job[2]));
});

test('instances are grouped under their task, in item order whatever the input order', () => {
  const shuffled = [job[0], job[1], job[5], job[3], job[2], job[4], job[6]];
  const { instances } = groupTasks(shuffled);
  assert.deepEqual([...instances.keys()], ['ocr']);
  assert.deepEqual(
    instances.get('ocr').map((t) => t.name),
    ['ocr[0]', 'ocr[1]', 'ocr[2]', 'ocr[3]'],
  );
  // Index order is numeric: ocr[10] after ocr[9], not after ocr[1].
  const many = Array.from({ length: 12 }, (_, i) => instance('x', 11 - i, 'QUEUED'));
  assert.deepEqual(
    groupTasks(many).instances.get('x').map((t) => t.itemIndex),
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11],
  );
});

test('a job without fan-out has no groups; an empty or missing list is no tasks', () => {
  const { top, instances } = groupTasks(job.filter((t) => !isInstance(t)));
  assert.equal(top.length, 3);
  assert.equal(instances.size, 0);
  assert.deepEqual(groupTasks(undefined), { top: [], instances: new Map() });
});

test('an instance whose parent is absent is still grouped by that name, not drawn', () => {
  const { top, instances } = groupTasks([instance('lost', 0, 'QUEUED')]);
  assert.equal(top.length, 0);
  assert.equal(instances.get('lost').length, 1);
});

test('instances are counted by state in the palette order', () => {
  const counts = countByState(groupTasks(job).instances.get('ocr'));
  assert.deepEqual(counts, [
    { state: 'RUNNING', n: 1 },
    { state: 'SUCCEEDED', n: 2 },
    { state: 'FAILED', n: 1 },
  ]);
  assert.equal(counts.reduce((s, c) => s + c.n, 0), 4);
  assert.deepEqual(countByState([]), []);
  // A state the UI does not know yet is counted after the known ones.
  assert.deepEqual(countByState([task('a', 'PAUSED'), task('b', 'QUEUED')]), [
    { state: 'QUEUED', n: 1 },
    { state: 'PAUSED', n: 1 },
  ]);
});

test('the one-line summary gives the total, the done ones, then each other state', () => {
  const counts = countByState(groupTasks(job).instances.get('ocr'));
  assert.equal(countSummary(counts), '4: 2 ✓ 1 running 1 failed');
  assert.equal(countSummary([{ state: 'QUEUED', n: 3 }]), '3: 3 queued');
  assert.equal(countSummary([{ state: 'SUCCEEDED', n: 12 }]), '12: 12 ✓');
  assert.equal(countSummary([]), 'no instances yet');
});

test('items are shown on one line, cut when long, and an empty item is visible', () => {
  assert.equal(itemLabel('page 1'), 'page 1');
  assert.equal(itemLabel('a\tb\nc'), 'a b c');
  assert.equal(itemLabel(''), '(empty)');
  assert.equal(itemLabel(null), '');
  const long = itemLabel('x'.repeat(200), 10);
  assert.equal(long.length, 10);
  assert.ok(long.endsWith('…'));
});

test('a long group is listed a page at a time', () => {
  const list = Array.from({ length: 250 }, (_, i) => i);
  assert.deepEqual(firstOf(list, 100).shown, list.slice(0, 100));
  assert.equal(firstOf(list, 100).hidden, 150);
  assert.equal(firstOf(list, 1000).hidden, 0);
});

test("an instance's name is percent-encoded in its log and file URLs", () => {
  assert.equal(logUrl('j1', 'ocr[0]'), '/api/v1/jobs/j1/tasks/ocr%5B0%5D/logs');
  assert.equal(
    outputUrl('j1', 'ocr[12]', 'out.txt'),
    '/api/v1/jobs/j1/tasks/ocr%5B12%5D/outputs/out.txt',
  );
});

test("a kept file's path keeps its slashes and encodes each segment", () => {
  assert.equal(
    outputUrl('j 1', 'join', 'reports/2024 q1/a#b?.txt'),
    '/api/v1/jobs/j%201/tasks/join/outputs/reports/2024%20q1/a%23b%3F.txt',
  );
  assert.equal(outputUrl('j', 't', 'dir/%x'), '/api/v1/jobs/j/tasks/t/outputs/dir/%25x');
});
