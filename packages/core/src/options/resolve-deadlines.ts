import { positiveInteger } from './positive-integer.js';

/**
 * A request's time budget, below Passfort's own timeouts (5 s batched, 10 s single) so the
 * answer always arrives in time.
 */
export function resolveDeadlines(
  deadline: number | { batch?: number; single?: number } | undefined,
) {
  const given = typeof deadline === 'number' ? { batch: deadline, single: deadline } : deadline;
  return {
    batch: positiveInteger('deadlineMs.batch', given?.batch, 4000),
    single: positiveInteger('deadlineMs.single', given?.single, 9000),
  };
}
