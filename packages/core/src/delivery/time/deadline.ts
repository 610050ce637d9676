import { DeadlineExceededError } from '../../errors/deadline-exceeded-error.js';
import type { BatchItem } from '../../events/validate-event-data.js';
import { deadlineClock } from './deadline-clock.js';

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
