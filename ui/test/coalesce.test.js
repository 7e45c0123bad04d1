// node --test: how live events are turned into fetches (src/lib/coalesce.js).
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { coalesce } from '../src/lib/coalesce.js';

// Resolves once `pred()` holds, checking after each turn of the event loop.
async function until(pred, turns = 1000) {
  for (let i = 0; i < turns; i++) {
    if (pred()) return;
    await new Promise((r) => setImmediate(r));
  }
  assert.fail('condition not reached');
}

// An async function whose runs the test finishes by hand.
function gated() {
  const finish = [];
  const fn = () => new Promise((resolve) => finish.push(resolve));
  return { fn, finish, runs: () => finish.length };
}

test('triggers during a run cause exactly one more run, after it', async () => {
  const g = gated();
  const trigger = coalesce(g.fn, 0);
  trigger();
  await until(() => g.runs() === 1);
  trigger();
  trigger();
  trigger();
  await new Promise((r) => setImmediate(r));
  assert.equal(g.runs(), 1, 'never two runs at once');
  g.finish[0]();
  await until(() => g.runs() === 2);
  g.finish[1]();
  // Nothing was triggered during the second run: no third.
  for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
  assert.equal(g.runs(), 2);
});

test('a failing run does not stop later ones, and stop() cancels a pending run', async () => {
  let runs = 0;
  const trigger = coalesce(async () => {
    runs++;
    throw new Error('fetch failed');
  }, 0);
  trigger();
  await until(() => runs === 1);
  await new Promise((r) => setImmediate(r));
  trigger();
  await until(() => runs === 2);
  await new Promise((r) => setImmediate(r));
  trigger();
  trigger.stop();
  for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
  assert.equal(runs, 2);
});
