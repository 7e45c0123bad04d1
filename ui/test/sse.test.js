// node --test: the text/event-stream parser of the log view (src/lib/sse.js).
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { createSseParser } from '../src/lib/sse.js';

function parse(chunks) {
  const events = [];
  const parser = createSseParser((e) => events.push(e));
  for (const c of chunks) parser.push(c);
  parser.end();
  return events;
}

test('named events with ids, data lines joined by newlines', () => {
  const events = parse(['id: 7\nevent: log\ndata: line one\ndata: line two\n\n', 'event: end\ndata: {}\n\n']);
  assert.deepEqual(events, [
    { type: 'log', data: 'line one\nline two', id: '7' },
    { type: 'end', data: '{}', id: '7' }, // the last id carries over
  ]);
});

test('a line may be split anywhere between chunks, CRLF included', () => {
  const whole = 'event: log\r\ndata: hello\r\n\r\nevent: attempt\r\ndata: 2\r\n\r\n';
  for (let cut = 1; cut < whole.length; cut++) {
    const events = parse([whole.slice(0, cut), whole.slice(cut)]);
    assert.deepEqual(
      events.map((e) => [e.type, e.data]),
      [
        ['log', 'hello'],
        ['attempt', '2'],
      ],
      `cut at ${cut}`,
    );
  }
});

test('comments, unknown fields and a missing space after the colon', () => {
  const events = parse([': keep-alive\n', 'retry: 100\nfoo: bar\ndata:x\n\n', 'data\n\n']);
  assert.deepEqual(events, [
    { type: 'message', data: 'x', id: null },
    { type: 'message', data: '', id: null },
  ]);
});

test('an event without its blank line is not dispatched', () => {
  assert.deepEqual(parse(['event: log\ndata: partial']), []);
  assert.deepEqual(parse(['event: log\n\n']), []); // no data: nothing to dispatch
});
