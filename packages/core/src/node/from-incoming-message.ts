import { isUtf8 } from 'node:buffer';
import type { IncomingMessage } from 'node:http';
import { eventStreamReader } from '../receive/event-stream-reader.js';
import type { WebhookRequest, WebhookRequestBody } from '../receive/webhook-request.js';

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
        : eventStreamReader(req, decodeIfUtf8),
    bodyAlreadyRead: !empty && read && (parsedBody === undefined || parsedBody === null),
    ip: req.socket?.remoteAddress,
    // Without the query: it may carry tokens, and tracing wants the route.
    path: req.url?.split('?', 1)[0],
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

// Decoded here when it is valid UTF-8 (Node's native check and decoder are faster than
// TextDecoder); otherwise the bytes go on and the receiver reports the encoding.
function decodeIfUtf8(bytes: Uint8Array): Uint8Array | string {
  return isUtf8(bytes)
    ? Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8')
    : bytes;
}
