import type { DeliveryOutcome } from '../delivery-outcome.js';

/**
 * The runtime's hold on one request's work that outlives its answer: on Cloudflare Workers, the
 * request's `ExecutionContext` (or a `waitUntil` passed to `handle()`), without which that
 * work is cancelled once the response is sent. Called as a method.
 */
export interface BackgroundHost {
  readonly waitUntil?: ((promise: Promise<unknown>) => void) | undefined;
}

/** Where a `BatchRun` sends its answer, and keeps itself if it outlives it. */
export interface BatchRunAnswer {
  resolve(outcome: DeliveryOutcome): void;
  reject(error: unknown): void;
  /** Runs still going after their deadline answered Passfort. */
  readonly background: Set<Promise<unknown>>;
  /** Where work that outlives the answer is handed, when the runtime needs it. */
  readonly runtime?: BackgroundHost | undefined;
}

/**
 * A run whose deadline answered while a handler ran goes on: kept in `background` (for
 * `settle()`) until it ends, and, on a runtime that cancels a request's work with its
 * response (Workers), handed to `waitUntil` with the release of the claims it will not start.
 */
export function keepInBackground(
  answer: BatchRunAnswer,
  loop: Promise<void> | undefined,
  released: Promise<unknown>,
): void {
  if (loop !== undefined) {
    const { background } = answer;
    background.add(loop);
    void loop.finally(() => background.delete(loop));
  }
  // On Workers both would be cancelled with the response: the handler, and every redelivery's.
  answer.runtime?.waitUntil?.(Promise.allSettled([loop, released]));
}
