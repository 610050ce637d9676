/**
 * The Node.js bridge shared by the Express and Koa adapters (and by any Node framework):
 * `IncomingMessage` → {@link WebhookRequest}, {@link WebhookResponse} → `ServerResponse`.
 * @module
 */
import { isUtf8 } from 'node:buffer';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { PayloadError } from './errors.js';
import type {
  BodyReader,
  WebhookRequest,
  WebhookRequestBody,
  WebhookResponse,
} from './webhook-request.js';

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
    body: empty ? null : read ? (parsedBody as WebhookRequestBody) : incomingMessageReader(req),
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
  // One writeHead with every header: cheaper than a setHeader call per header, and it
  // still keeps headers an earlier middleware set on `res`.
  res.writeHead(response.status, {
    ...response.headers,
    'content-length': Buffer.byteLength(response.body),
  });
  res.end(response.body);
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
  const trim = (value: string) => (value.length > 1 ? value.replace(/\/+$/, '') : value);
  return trim(requestPathname(req)) === trim(path);
}

// Nothing is read until the receiver asks for it, so a request refused before its body
// (405, 401, 413 by Content-Length) is never buffered. Decoded here when it is valid UTF-8
// (Node's native check and decoder are faster than TextDecoder); otherwise the bytes go on
// and the receiver reports the encoding.
function incomingMessageReader(req: IncomingMessage): BodyReader {
  return (maxBytes) =>
    new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      let size = 0;
      const detach = () => {
        req.off('data', onData);
        req.off('end', onEnd);
        req.off('error', onError);
      };
      function onData(chunk: Buffer) {
        size += chunk.length;
        if (size > maxBytes) {
          // Over the limit: keep nothing more, but drain the rest (discarded, so memory stays
          // bounded) so the client can finish sending and read the 413, as body-parser does;
          // Node's requestTimeout bounds a client that never stops.
          detach();
          req.resume();
          reject(
            new PayloadError(
              'PAYLOAD_TOO_LARGE',
              `Body is larger than the limit of ${maxBytes} bytes`,
            ),
          );
          return;
        }
        chunks.push(chunk);
      }
      function onEnd() {
        detach();
        const buffer = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size);
        resolve(
          isUtf8(buffer)
            ? buffer.toString('utf8')
            : new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength),
        );
      }
      function onError(error: Error) {
        detach();
        reject(error);
      }
      req.on('data', onData);
      req.on('end', onEnd);
      req.on('error', onError);
    });
}
