import { StoreUnavailableError } from '../errors/store-unavailable-error.js';
import { describeError, type Logger } from '../observability/logger.js';
import type { BatchItem } from '../receive/validate-envelope.js';
import type { ClaimOutcome } from '../stores/dedupe-store.js';
import { beforeDeadline, LATE } from './deadline.js';
import type { DeliverySettings } from './delivery-settings.js';
import { isThenable } from './is-thenable.js';

/** The claim slot of a later copy of an id that appears earlier in the same batch. */
export const DUPLICATE_IN_BATCH = Symbol('duplicate in batch');

/** One webhook's claim in its batch. */
export type BatchClaim = ClaimOutcome | typeof DUPLICATE_IN_BATCH | undefined;

/** Each webhook's claim, aligned with the batch, or the error that prevented claiming. */
export interface BatchClaims {
  readonly claims: readonly BatchClaim[];
  readonly error: StoreUnavailableError | undefined;
}

/**
 * Claims a batch's ids in one store call. The result is aligned with `items`: each
 * webhook's claim, or DUPLICATE_IN_BATCH for a later copy of an id the batch already holds.
 * A store answering synchronously (the memory store) is answered without a promise.
 */
export function claimBatch(
  { store, leaseMs, logger }: DeliverySettings,
  items: readonly BatchItem[],
  deadlineAt: number,
): BatchClaims | Promise<BatchClaims> {
  const ids: string[] = [];
  const slots: number[] = new Array(items.length);
  if (items.length === 1) {
    // A single webhook (Passfort's batching off) has no copies to look for.
    ids.push(items[0]!.event.id);
    slots[0] = 0;
  } else {
    const seen = new Set<string>();
    for (let position = 0; position < items.length; position++) {
      const { id } = items[position]!.event;
      if (seen.has(id)) {
        slots[position] = -1;
      } else {
        seen.add(id);
        slots[position] = ids.push(id) - 1;
      }
    }
  }
  try {
    const outcomes = store.claim(ids, { leaseMs });
    // A store answering synchronously (the memory store) costs no microtask and no timer.
    if (!isThenable(outcomes)) return aligned(items, slots, outcomes);
    // A claim that lands after the answer went out would hold ids nobody runs until their
    // lease ends, stalling Passfort's redelivery: give them back at once.
    const releaseLate = (late: readonly ClaimOutcome[]) => {
      const claimed = ids.filter((_, slot) => late[slot]?.status === 'claimed');
      if (claimed.length > 0) Promise.resolve(store.release(claimed)).catch(() => {});
    };
    return beforeDeadline(outcomes, deadlineAt, releaseLate).then(
      (answered) =>
        answered === LATE ? tooSlow(logger, deadlineAt) : aligned(items, slots, answered),
      (cause: unknown) => unavailable(logger, cause),
    );
  } catch (cause) {
    return unavailable(logger, cause);
  }
}

// Plain functions rather than closures in claimBatch: made per request, closures cost an
// allocation each even when unused, and the memory store's path uses one of them.

function aligned(
  items: readonly BatchItem[],
  slots: readonly number[],
  outcomes: readonly ClaimOutcome[],
): BatchClaims {
  const claims: BatchClaim[] = new Array(items.length);
  for (let position = 0; position < items.length; position++) {
    const slot = slots[position]!;
    claims[position] = slot < 0 ? DUPLICATE_IN_BATCH : outcomes[slot];
  }
  return { claims, error: undefined };
}

function unavailable(logger: Logger, cause: unknown): BatchClaims {
  logger.error?.({ error: describeError(cause) }, 'dedupe store claim failed');
  return { claims: [], error: new StoreUnavailableError(undefined, { cause }) };
}

function tooSlow(logger: Logger, deadlineAt: number): BatchClaims {
  logger.error?.({ deadlineAt }, 'dedupe store claim did not answer before the deadline');
  const error = new StoreUnavailableError(
    'The dedupe store did not answer before the response deadline',
  );
  return { claims: [], error };
}

/**
 * Releases the claims this delivery holds from `from` on, which it will not run, so
 * Passfort's redelivery can take them at once instead of waiting out the lease.
 */
export async function releaseUnstarted(
  { store, logger }: DeliverySettings,
  items: readonly BatchItem[],
  from: number,
  claims: readonly BatchClaim[],
  deadlineAt: number,
): Promise<void> {
  const ids: string[] = [];
  for (let position = from; position < items.length; position++) {
    const claim = claims[position];
    if (claim !== DUPLICATE_IN_BATCH && claim?.status === 'claimed') {
      ids.push(items[position]!.event.id);
    }
  }
  if (ids.length === 0) return;
  try {
    // Bounded too: a release that comes late still lands, and the lease covers one that never does.
    await beforeDeadline(Promise.resolve(store.release(ids)), deadlineAt);
  } catch (cause) {
    logger.warn?.({ error: describeError(cause) }, 'dedupe store release failed');
  }
}

/** The ids of `items[from..]` this delivery claimed (copies of an id earlier in the batch aside). */
export function heldClaims(
  items: readonly BatchItem[],
  claims: readonly BatchClaim[],
  from: number,
): string[] {
  const ids: string[] = [];
  for (let position = from; position < items.length; position++) {
    const claim = claims[position];
    if (claim !== DUPLICATE_IN_BATCH && claim?.status === 'claimed') {
      ids.push(items[position]!.event.id);
    }
  }
  return ids;
}
