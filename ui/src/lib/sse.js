// A parser of text/event-stream (the WHATWG "server-sent events" format) for
// streams read with fetch(): EventSource cannot send an Accept header of our
// choice, cannot tell a plain-text answer from an SSE one, and reconnects on
// its own, which would replay a log from the start.
//
// createSseParser(onEvent) returns {push(text), end()}: feed it decoded text
// in chunks of any size (a line may be split anywhere, "\r\n" included);
// onEvent({type, data, id}) runs once per complete event.

export function createSseParser(onEvent) {
  let buffer = '';
  let skipLeadingLf = false; // the last chunk ended in "\r": a following "\n" belongs to it
  let type = '';
  let data = [];
  let id = null;
  let lastId = null;

  function dispatch() {
    if (data.length > 0) {
      if (id !== null) lastId = id;
      onEvent({ type: type || 'message', data: data.join('\n'), id: lastId });
    }
    type = '';
    data = [];
    id = null;
  }

  function line(text) {
    if (text === '') return dispatch();
    if (text.startsWith(':')) return; // a comment: keep-alive
    const colon = text.indexOf(':');
    const field = colon < 0 ? text : text.slice(0, colon);
    let value = colon < 0 ? '' : text.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'event') type = value;
    else if (field === 'data') data.push(value);
    else if (field === 'id' && !value.includes('\0')) id = value;
    // "retry" and unknown fields: nothing to do for a fetch() reader.
  }

  return {
    push(chunk) {
      if (skipLeadingLf && chunk.startsWith('\n')) chunk = chunk.slice(1);
      skipLeadingLf = false;
      buffer += chunk;
      let start = 0;
      for (let i = 0; i < buffer.length; i++) {
        const c = buffer[i];
        if (c !== '\n' && c !== '\r') continue;
        line(buffer.slice(start, i));
        if (c === '\r') {
          if (i + 1 < buffer.length) {
            if (buffer[i + 1] === '\n') i++;
          } else {
            skipLeadingLf = true;
          }
        }
        start = i + 1;
      }
      buffer = buffer.slice(start);
    },
    // The stream closed: an event without its blank line is dropped, as the
    // format requires (it may be incomplete).
    end() {
      buffer = '';
      type = '';
      data = [];
      id = null;
    },
  };
}

// Reads a fetch() Response body as text chunks until it ends or `signal`
// aborts; `onText` gets each decoded chunk.
export async function readText(response, onText, signal) {
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  const abort = () => reader.cancel().catch(() => {});
  signal?.addEventListener('abort', abort);
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      const text = decoder.decode(value, { stream: true });
      if (text) onText(text);
    }
    const rest = decoder.decode();
    if (rest) onText(rest);
  } finally {
    signal?.removeEventListener('abort', abort);
  }
}
