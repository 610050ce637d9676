import { DeadlineExceededError } from '../errors/deadline-exceeded-error.js';
import type { BatchItem } from '../receive/validate-envelope.js';
import { deadlineClock } from './deadline-clock.js';

/** What a {@link deadlineTimer} resolves with once the deadline passes. */
export const TIMED_OUT = Symbol('timed out');

/** One timer for a whole batch; see {@link deadlineTimer}. */
export interface DeadlineTimer {
  /**
   * Resolves with what `running` resolves with, or with {@link TIMED_OUT} once the deadline
   * passes, whichever comes first. `running` must never reject (the runner's never does).
   */
  race<T>(running: Promise<T>): Promise<T | typeof TIMED_OUT>;
  clear(): void;
}

/**
 * One watch of the shared {@link deadlineClock} for a whole batch, raced by each handler that
 * returns a promise. Made only when the first such handler starts, since synchronous handlers
 * cannot be interrupted. Cheaper than `Promise.race` per webhook: one promise per race, and no
 * reaction piling up on a shared promise that only settles at the deadline.
 */
export function deadlineTimer(deadlineAt: number): DeadlineTimer {
  let waiting: ((value: typeof TIMED_OUT) => void) | undefined;
  const watch = deadlineClock.watch(deadlineAt, () => waiting?.(TIMED_OUT));
  return {
    race<T>(running: Promise<T>): Promise<T | typeof TIMED_OUT> {
      if (watch.expired) return Promise.resolve(TIMED_OUT);
      return new Promise<T | typeof TIMED_OUT>((resolve) => {
        waiting = resolve;
        running.then(resolve);
      });
    },
    clear: () => watch.settle(),
  };
}

/** The error that stops a batch at `item` once its request's budget is spent. */
export function deadlineError(item: BatchItem): DeadlineExceededError {
  return new DeadlineExceededError(
    `The response deadline was reached at index ${item.index}; the rest is left for Passfort's redelivery`,
    { index: item.index, id: item.event.id },
  );
}

/** What {@link beforeDeadline} resolves with when the work did not finish in time. */
export const LATE = Symbol('late');

/**
 * Waits for a store or queue call, but not past `deadlineAt`: Passfort gives up at 5 s / 10 s,
 * so an answer that waits for a hung store never arrives in time. Resolves with the call's
 * value, or {@link LATE} once the deadline passes; a call that then settles late is handed to
 * `late` (to undo a claim nobody will use) and its failure is swallowed. A call that fails in
 * time rejects as it would have.
 */
export function beforeDeadline<T>(
  work: PromiseLike<T>,
  deadlineAt: number,
  late?: (value: T) => void,
): Promise<T | typeof LATE> {
  let timedOut = false;
  let expire!: (value: typeof LATE) => void;
  const expired = new Promise<typeof LATE>((resolve) => {
    expire = resolve;
  });
  const watch = deadlineClock.watch(deadlineAt, () => {
    timedOut = true;
    expire(LATE);
  });
  const settled: Promise<T | typeof LATE> = Promise.resolve(work).then(
    (value): T | typeof LATE => {
      if (timedOut) late?.(value);
      return value;
    },
    (error: unknown): typeof LATE => {
      if (timedOut) return LATE;
      throw error;
    },
  );
  return Promise.race([settled, expired]).finally(() => watch.settle());
}
