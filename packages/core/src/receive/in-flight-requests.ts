/**
 * The requests a receiver is answering, for `close()`: once closing, new ones are refused, and
 * close waits for these. A count and a waiter rather than a set of promises, so that `handle()`
 * stays one async function and a request costs two increments.
 */
export class InFlightRequests {
  #count = 0;
  #drained: { promise: Promise<void>; resolve(): void } | undefined;
  /** True once {@link close} was called: requests are then refused (`ReceiverClosingError`). */
  closing = false;

  /** A request starts. */
  enter(): void {
    this.#count++;
  }

  /** A request was answered (or failed). */
  leave(): void {
    this.#count--;
    if (this.#count === 0 && this.#drained !== undefined) {
      this.#drained.resolve();
      this.#drained = undefined;
    }
  }

  /** Refuses new requests from now on; resolves once those in flight were answered. */
  async close(): Promise<void> {
    this.closing = true;
    if (this.#count === 0) return;
    if (this.#drained === undefined) {
      let resolve!: () => void;
      const promise = new Promise<void>((done) => {
        resolve = done;
      });
      this.#drained = { promise, resolve };
    }
    await this.#drained.promise;
  }
}
