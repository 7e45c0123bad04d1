// node --test: the DAG layout of the job page (src/lib/layout.js).
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { assignLayers, countCrossings, layoutDag } from '../src/lib/layout.js';

const diamond = [
  { id: 'fetch', deps: [] },
  { id: 'square', deps: ['fetch'] },
  { id: 'cube', deps: ['fetch'] },
  { id: 'report', deps: ['square', 'cube'] },
];

const byId = (layout) => Object.fromEntries(layout.nodes.map((n) => [n.id, n]));

function overlaps(a, b) {
  return a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
}

test('a diamond has three columns, dependencies to the left of their dependents', () => {
  const layout = layoutDag(diamond);
  const n = byId(layout);
  assert.deepEqual(
    [n.fetch.layer, n.square.layer, n.cube.layer, n.report.layer],
    [0, 1, 1, 2],
  );
  assert.ok(n.fetch.x + n.fetch.width < n.square.x);
  assert.equal(n.square.x, n.cube.x);
  assert.ok(n.square.x + n.square.width < n.report.x);
  assert.equal(layout.edges.length, 4);
  assert.equal(layout.crossings, 0);
  // The single nodes are centred on the two-node column.
  assert.equal(n.fetch.y + n.fetch.height / 2, (n.square.y + n.cube.y + n.cube.height) / 2);
});

test('no two nodes overlap and the drawing contains every node', () => {
  const nodes = [
    { id: 'a', deps: [] },
    { id: 'b', deps: [] },
    { id: 'c', deps: ['a', 'b'] },
    { id: 'd', deps: ['a'] },
    { id: 'e', deps: ['c', 'd', 'a'] },
    { id: 'f', deps: [] },
  ];
  const layout = layoutDag(nodes);
  for (const a of layout.nodes) {
    assert.ok(a.x >= 0 && a.y >= 0);
    assert.ok(a.x + a.width <= layout.width && a.y + a.height <= layout.height, a.id);
    for (const b of layout.nodes) {
      if (a !== b) assert.ok(!overlaps(a, b), `${a.id} overlaps ${b.id}`);
    }
  }
});

test('an edge that skips a column runs through a free slot, not through a task', () => {
  // a -> b -> c and a -> c: the a -> c edge crosses column 1 beside b.
  const layout = layoutDag([
    { id: 'a', deps: [] },
    { id: 'b', deps: ['a'] },
    { id: 'c', deps: ['b', 'a'] },
  ]);
  const n = byId(layout);
  const long = layout.edges.find((e) => e.from === 'a' && e.to === 'c');
  // Its horizontal run across column 1 ("L" to the column's right edge) is at a height outside b.
  const runs = [...long.path.matchAll(/L([\d.]+),([\d.]+)/g)].map((m) => Number(m[2]));
  assert.equal(runs.length, 1);
  assert.ok(runs[0] < n.b.y || runs[0] > n.b.y + n.b.height, long.path);
});

test('sweeps order columns to remove avoidable crossings', () => {
  // In spec order the second column is [c, d] but c hangs off b and d off a.
  const nodes = [
    { id: 'a', deps: [] },
    { id: 'b', deps: [] },
    { id: 'c', deps: ['b'] },
    { id: 'd', deps: ['a'] },
  ];
  const unswept = layoutDag(nodes, { sweeps: 0 });
  assert.equal(unswept.crossings, 1);
  const layout = layoutDag(nodes);
  assert.equal(layout.crossings, 0);
  const n = byId(layout);
  assert.equal(Math.sign(n.a.y - n.b.y), Math.sign(n.d.y - n.c.y));
});

test('countCrossings counts pairs of edges whose ends swap order', () => {
  assert.equal(countCrossings([[0, 1], [1, 0]]), 1);
  assert.equal(countCrossings([[0, 0], [1, 1], [2, 2]]), 0);
  assert.equal(countCrossings([[0, 2], [1, 1], [2, 0]]), 3);
  assert.equal(countCrossings([[0, 0], [0, 1]]), 0); // a shared end is not a crossing
});

test('unknown dependencies are ignored and a cycle still terminates', () => {
  const { layer } = assignLayers([
    { id: 'a', deps: ['missing'] },
    { id: 'b', deps: ['c'] },
    { id: 'c', deps: ['b'] },
  ]);
  assert.equal(layer[0], 0);
  assert.ok(layer[1] > 0 && layer[2] > 0);
  const layout = layoutDag([{ id: 'x', deps: ['x', 'nope'] }]);
  assert.equal(layout.nodes.length, 1);
  assert.equal(layout.edges.length, 0);
});

test('an empty job draws nothing', () => {
  const layout = layoutDag([]);
  assert.deepEqual(layout.nodes, []);
  assert.deepEqual(layout.edges, []);
});
