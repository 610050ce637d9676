// Requests with fresh webhook ids on every send, cheap enough that one load-generator core
// outruns the fastest server measured.
//
// autocannon's own way to vary a body (`setupRequest`) rebuilds the whole request on every
// send: header objects copied twice, the body string re-encoded, the head joined and concatenated
// with it. On one core that capped the generator at about half the rate it reaches with a fixed
// body, below what bare Hono and bare node:http serve, which compressed every ratio near the
// top. Here each connection builds its raw request once and only the counter's 8 bytes are
// rewritten in place, at offsets found once.
import { ID_MARK } from './payloads.mjs';

const HEX = Buffer.from('0123456789abcdef');

/**
 * A raw HTTP/1.1 request with its id counters marked: `stamp(counter)` writes the counter as 8
 * hex digits over every `ID_MARK` in the body and returns the same buffer.
 */
export function stampedRequest({ host, path, headers, body }) {
  const head = [
    `POST ${path} HTTP/1.1`,
    `Host: ${host}`,
    'Connection: keep-alive',
    ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`),
    `Content-Length: ${Buffer.byteLength(body)}`,
  ];
  const buffer = Buffer.from(`${head.join('\r\n')}\r\n\r\n${body}`);
  const bodyStart = buffer.length - Buffer.byteLength(body);
  const offsets = [];
  for (let at = buffer.indexOf(ID_MARK, bodyStart); at !== -1; ) {
    offsets.push(at);
    at = buffer.indexOf(ID_MARK, at + ID_MARK.length);
  }
  if (offsets.length === 0) throw new Error(`the body has no ${ID_MARK} to stamp`);
  const digits = new Uint8Array(8);
  return {
    buffer,
    stamp(counter) {
      if (!Number.isSafeInteger(counter) || counter < 0 || counter > 0xffffffff) {
        throw new RangeError(`counter ${counter} does not fit 8 hex digits`);
      }
      // Byte stores, not buffer.write: a batch has 400 marks, and 400 native calls per request
      // held the generator to 8,900 batches a second against 11,600 with byte stores.
      for (let digit = 7, rest = counter; digit >= 0; digit--, rest >>>= 4) {
        digits[digit] = HEX[rest & 0xf];
      }
      for (const at of offsets) for (let i = 0; i < 8; i++) buffer[at + i] = digits[i];
      return buffer;
    },
  };
}

/**
 * autocannon options that send `body` with fresh ids: one counter shared by every connection,
 * so no two requests of a run carry the same ids. `next()` hands out the counter values.
 *
 * Each connection gets its own buffer and rewrites it only when it sends the next request.
 * With one request in flight per connection (no pipelining), that is after the answer to the
 * previous one, which every server here sends only after reading the whole body, so the bytes
 * rewritten have already left the socket.
 */
export function freshRequestOptions({ url, headers, body, next }) {
  const { host, pathname } = new URL(url);
  return {
    url,
    pipelining: 1,
    // Only used for the connections' bookkeeping; the bytes sent are the stamped buffer's.
    requests: [{ method: 'POST', headers, body }],
    setupClient(client) {
      // autocannon 8 sends `client.getRequestBuffer()` on every request (lib/httpClient.js).
      // Fail loudly if a later version stops calling it, rather than measure all duplicates.
      if (typeof client.getRequestBuffer !== 'function') {
        throw new Error(
          'autocannon no longer has Client#getRequestBuffer; update fresh-requests.mjs',
        );
      }
      const request = stampedRequest({ host, path: pathname, headers, body });
      client.getRequestBuffer = () => request.stamp(next());
    },
  };
}
