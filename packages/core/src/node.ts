/**
 * The Node.js bridge shared by the Express and Koa adapters (and by any Node framework):
 * `IncomingMessage` → {@link WebhookRequest}, {@link WebhookResponse} → `ServerResponse`.
 * @module
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
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
  const authorizations = req.rawHeaders.filter(
    (_, i) => i % 2 === 0 && req.rawHeaders[i]!.toLowerCase() === 'authorization',
  );
  if (authorizations.length > 1) {
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
    body: empty ? null : read ? (parsedBody as WebhookRequestBody) : readableToWebStream(req),
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
  res.statusCode = response.status;
  for (const [name, value] of Object.entries(response.headers)) res.setHeader(name, value);
  res.setHeader('content-length', Buffer.byteLength(response.body));
  res.end(response.body);
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
  const trim = (value: string) => (value.length > 1 ? value.replace(/\/+$/, '') : value);
  return trim(requestPathname(req)) === trim(path);
}

// A pull-based stream: nothing is read until the receiver asks for it, so a request refused
// before its body (405, 401, 413 by Content-Length) is never buffered.
function readableToWebStream(req: IncomingMessage): ReadableStream<Uint8Array> {
  let detach = () => {};
  return new ReadableStream<Uint8Array>(
    {
      start(controller) {
        const onData = (chunk: Buffer | string) => {
          const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
          controller.enqueue(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
          if ((controller.desiredSize ?? 0) <= 0) req.pause();
        };
        const onEnd = () => {
          detach();
          controller.close();
        };
        const onError = (error: Error) => {
          detach();
          controller.error(error);
        };
        detach = () => {
          req.off('data', onData);
          req.off('end', onEnd);
          req.off('error', onError);
        };
        req.pause();
        req.on('data', onData);
        req.on('end', onEnd);
        req.on('error', onError);
      },
      pull() {
        req.resume();
      },
      cancel() {
        // Over the size limit: stop keeping data but drain the rest (discarded, so memory
        // stays bounded), so the client can finish sending and read the 413 as body-parser
        // does; Node's requestTimeout bounds a client that never stops.
        detach();
        req.resume();
      },
    },
    { highWaterMark: 0 },
  );
}
