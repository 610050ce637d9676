/**
 * The Node.js bridge shared by the Express and Koa adapters (and by any Node framework):
 * `IncomingMessage` → {@link WebhookRequest}, {@link WebhookResponse} → `ServerResponse`.
 * @module
 */
import { isUtf8 } from 'node:buffer';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { eventStreamReader } from './event-stream-reader.js';
import type { WebhookRequest, WebhookRequestBody, WebhookResponse } from './webhook-request.js';

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
  };
}

/** Writes a {@link WebhookResponse} to a Node response, unless headers already went out. */
export function writeServerResponse(res: ServerResponse, response: WebhookResponse): void {
  if (res.headersSent) {
    if (!res.writableEnded) res.end();
    return;
  }
  // One writeHead with every header in both cases: cheaper than a setHeader call per
  // header, and it still keeps headers an earlier middleware set on `res`.
  if (response.body === '') {
    // The 200: end() with nothing to send writes `Content-Length: 0` and the head at once,
    // and the headers go as they are (a copy cost more than the rest of the write).
    res.writeHead(response.status, response.headers).end();
    return;
  }
  res.writeHead(response.status, {
    ...response.headers,
    'content-length': Buffer.byteLength(response.body),
  });
  // Head and body leave in one write: write() corks the socket until the next tick, and
  // end() called after that has nothing left to send. `end(body)` would queue an empty
  // final chunk behind the body, turning every response into a writev (measured: about a
  // tenth of a single webhook's CPU time).
  res.write(response.body);
  process.nextTick(endResponse, res);
}

function endResponse(res: ServerResponse): void {
  if (!res.writableEnded) res.end();
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

/** The path of a Node request's URL, without its query string. */
export function requestPathname(req: IncomingMessage): string {
  const url = req.url ?? '/';
  const query = url.indexOf('?');
  return query === -1 ? url : url.slice(0, query);
}

/**
 * True when the request's path is `path` (a trailing slash is ignored), or when no path
 * was given, so an adapter mounted with `app.use()` passes other paths on.
 */
export function matchesPath(req: IncomingMessage, path: string | undefined): boolean {
  if (path === undefined) return true;
  const pathname = requestPathname(req);
  // The exact path is the usual case; trailing slashes are trimmed only when it is not.
  return pathname === path || trimTrailingSlashes(pathname) === trimTrailingSlashes(path);
}

function trimTrailingSlashes(value: string): string {
  return value.length > 1 ? value.replace(/\/+$/, '') : value;
}

// Decoded here when it is valid UTF-8 (Node's native check and decoder are faster than
// TextDecoder); otherwise the bytes go on and the receiver reports the encoding.
function decodeIfUtf8(bytes: Uint8Array): Uint8Array | string {
  return isUtf8(bytes)
    ? Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8')
    : bytes;
}
