import { DeadlineExceededError } from '../errors/deadline-exceeded-error.js';
import type { BatchItem } from '../receive/validate-envelope.js';

/** What a {@link deadlineTimer} resolves with once the deadline passes. */
export const TIMED_OUT = Symbol('timed out');

/**
 * One timer for a whole batch, raced by each handler that returns a promise. Made only
 * when the first such handler starts, since synchronous handlers cannot be interrupted.
 */
export function deadlineTimer(deadlineAt: number): {
  reached: Promise<typeof TIMED_OUT>;
  clear(): void;
} {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const reached = new Promise<typeof TIMED_OUT>((resolve) => {
    timer = setTimeout(() => resolve(TIMED_OUT), Math.max(0, deadlineAt - Date.now()));
  });
  return { reached, clear: () => clearTimeout(timer) };
}

/** The error that stops a batch at `item` once its request's budget is spent. */
export function deadlineError(item: BatchItem): DeadlineExceededError {
  return new DeadlineExceededError(
    `The response deadline was reached at index ${item.index}; the rest is left for Passfort's redelivery`,
    { index: item.index, id: item.event.id },
  );
}
