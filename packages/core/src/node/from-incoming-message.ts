import { isUtf8 } from 'node:buffer';
import type { IncomingMessage } from 'node:http';
import { eventStreamReader } from '../receive/event-stream-reader.js';
import type { WebhookRequest, WebhookRequestBody } from '../receive/webhook-request.js';
import { requestPathname } from './matches-path.js';

/**
 * Maps a Node request to a {@link WebhookRequest}. When the stream is still unread, the
 * body is handed over as a stream that the receiver reads with its size limit. When a
 * body parser already read it (`express.json()`, `express.raw()`, `express.text()`,
 * `@koa/bodyparser`), pass what it produced as `parsedBody`: a Buffer, a string, or the
 * parsed JSON value.
 *
 * @example
 * const response = await webhooks.handle(fromIncomingMessage(req, req.body));
 * writeServerResponse(res, response);
 */
export function fromIncomingMessage(req: IncomingMessage, parsedBody?: unknown): WebhookRequest {
  const read = req.readableDidRead || req.readableEnded;
  // Node keeps only the first of repeated Authorization headers; repeated credentials are
  // ambiguous, so the receiver must see them all and refuse them (401).
  let headers: IncomingMessage['headers'] | Record<string, string | string[] | undefined> =
    req.headers;
  if (countAuthorizationHeaders(req.rawHeaders) > 1) {
    const values = req.rawHeaders.filter(
      (_, i) => i % 2 === 1 && req.rawHeaders[i - 1]!.toLowerCase() === 'authorization',
    );
    headers = { ...req.headers, authorization: values };
  }
  // Some parsers turn an empty body into `{}`; an empty body must be reported as empty.
  const empty = req.headers['content-length'] === '0';
  return {
    method: req.method ?? 'GET',
    headers,
    body: empty
      ? null
      : read
        ? (parsedBody as WebhookRequestBody)
        : eventStreamReader(req, decodeIfUtf8, joinChunks),
    bodyAlreadyRead: !empty && read && (parsedBody === undefined || parsedBody === null),
    ip: req.socket?.remoteAddress,
    // Without the query: it may carry tokens, and tracing wants the route. By indexOf, not
    // split('?', 1): a split with a limit leaves V8's fast path (160 against 24 ns), and it was
    // the hottest line of this file in a single webhook's profile.
    path: req.url === undefined ? undefined : requestPathname(req),
  };
}

function countAuthorizationHeaders(rawHeaders: readonly string[]): number {
  let count = 0;
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!;
    // The length test spares a lower-casing of every other header name.
    if (name.length === 13 && name.toLowerCase() === 'authorization') count++;
  }
  return count;
}

// A body in several chunks (over 64 KB: a batch) is joined with Buffer.concat, which does not
// zero-fill the copy first as `new Uint8Array` must: 200 KB cost 38 against 24 µs. One chunk
// (a single webhook, as a rule) is passed on as it came.
function joinChunks(chunks: readonly Uint8Array[], size: number): Uint8Array {
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size);
}

// Decoded here when it is valid UTF-8 (Node's decoder is faster than TextDecoder); otherwise
// the bytes go on and the receiver reports the encoding. Decoded first and checked after:
// Node's decoder turns every invalid sequence into U+FFFD, so text without one came from valid
// UTF-8, and only a body holding one needs isUtf8's pass over its bytes (3-6 µs on a batch of
// 100, which nearly never carries U+FFFD).
function decodeIfUtf8(bytes: Uint8Array): Uint8Array | string {
  // The request's chunks are Buffers already: no view to build.
  const buffer = Buffer.isBuffer(bytes)
    ? bytes
    : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const text = buffer.toString('utf8');
  return text.includes('\uFFFD') && !isUtf8(buffer) ? bytes : text;
}
