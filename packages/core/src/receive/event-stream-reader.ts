import { PayloadError } from '../errors/payload-error.js';
import { concatBytes } from './read-body.js';
import type { BodyReader } from './webhook-request.js';

/**
 * The part of a Node-style readable stream the reader uses: Node's `IncomingMessage`, or
 * the one `@hono/node-server` passes as `c.env.incoming`. Typed structurally, so this
 * module imports nothing from Node and stays usable on every runtime.
 */
export interface EventStreamLike {
  // biome-ignore lint/suspicious/noExplicitAny: Node's own listener type, so IncomingMessage fits
  on(event: string, listener: (...args: any[]) => void): unknown;
  // biome-ignore lint/suspicious/noExplicitAny: as above
  off(event: string, listener: (...args: any[]) => void): unknown;
  resume?(): unknown;
}

/**
 * A {@link BodyReader} over a Node-style stream, read with its `data` / `end` events, which
 * on Node costs much less than a Web stream over the same socket. Nothing is read until the
 * receiver asks, so a request refused before its body (405, 401, 413 by Content-Length) is
 * never buffered. `finish` may turn the bytes into text (the Node bridge decodes there), and
 * `join` joins the chunks (the Node bridge uses `Buffer.concat`, which skips the zero-filling
 * of a `new Uint8Array`).
 */
export function eventStreamReader(
  stream: EventStreamLike,
  finish: (bytes: Uint8Array) => Uint8Array | string = (bytes) => bytes,
  join: (chunks: readonly Uint8Array[], size: number) => Uint8Array = concatBytes,
): BodyReader {
  return (maxBytes) =>
    new Promise((resolve, reject) => {
      const chunks: Uint8Array[] = [];
      let size = 0;
      const detach = () => {
        stream.off('data', onData);
        stream.off('end', onEnd);
        stream.off('error', onError);
      };
      function onData(chunk: Uint8Array) {
        size += chunk.byteLength;
        if (size > maxBytes) {
          // Over the limit: keep nothing more, but drain the rest (discarded, so memory stays
          // bounded) so the client can finish sending and read the 413, as body-parser does;
          // the server's request timeout bounds a client that never stops.
          detach();
          stream.resume?.();
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
      // Nothing follows 'end', so the listeners stay: removing three of them on every
      // request cost more than the rest of reading a small body. One left for 'error' is
      // harmless (the promise is settled) and keeps a late socket error from going unhandled.
      function onEnd() {
        try {
          resolve(finish(join(chunks, size)));
        } catch (error) {
          reject(error);
        }
      }
      function onError(error: Error) {
        detach();
        reject(error);
      }
      stream.on('data', onData);
      stream.on('end', onEnd);
      stream.on('error', onError);
    });
}
