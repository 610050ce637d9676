/**
 * How much of a refused body is read and thrown away when no bound is given: twice the default
 * `maxBodyBytes`, so a body up to twice the limit gets its 413.
 */
const DEFAULT_DISCARD_BYTES = 20 * 1024 * 1024;

/**
 * Reads the rest of a body through `reader` and throws it away, up to `maxBytes`, then
 * cancels what is left. Never rejects.
 */
export async function discardRest(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  maxBytes: number,
): Promise<void> {
  let discarded = 0;
  try {
    while (discarded <= maxBytes) {
      const { done, value } = await reader.read();
      if (done) return;
      discarded += value.byteLength;
    }
    await reader.cancel();
  } catch {
    // The sender went away: nothing is left to answer.
  }
}

/**
 * Reads a request body nobody read and throws it away, up to `maxBytes` (then cancels the rest),
 * before a refusal is answered. Why: workerd (Cloudflare Workers, miniflare) closes the
 * connection when it answers while the request body is still unread, and the sender, still
 * writing, then sees a connection reset instead of the answer. An 11 MB post refused by its
 * Content-Length got its 413 in 2 to 4 of 6 tries over real HTTP; read to its end first, in 6 of
 * 6. Cancelling the stream instead closes the connection the same way. A body larger than
 * `maxBytes` is cut off: its sender gets the reset. A stream already being read (locked) or
 * `null` is left alone. Never rejects.
 *
 * For adapters on Web-standard runtimes whose body reader was never called because the
 * receiver answered 413 from the declared length (`webhooks.handle()` and `webhooks.fetch()` do
 * this themselves for a stream they were given).
 *
 * @example
 * if (response.status === 413 && !bodyWasRead) await discardBody(request.body);
 */
export function discardBody(
  body: ReadableStream<Uint8Array> | null | undefined,
  maxBytes = DEFAULT_DISCARD_BYTES,
): Promise<void> {
  if (body === null || body === undefined || typeof body.getReader !== 'function' || body.locked) {
    return Promise.resolve();
  }
  return discardRest(body.getReader(), maxBytes);
}
