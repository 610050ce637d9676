import { StoreUnavailableError } from '../../errors/store-unavailable-error.js';
import type { BatchItem } from '../../events/validate-event-data.js';
import { describeError, type Logger } from '../../observability/logger.js';
import type { ClaimOutcome } from '../../stores/dedupe-store.js';
import { fingerprintEvent, webhookFingerprint } from '../../stores/webhook-fingerprint.js';
import type { DeliverySettings } from '../delivery-settings.js';
import { isThenable } from '../run/is-thenable.js';
import { beforeDeadline, LATE } from '../time/deadline.js';
import { unrecordedRuns } from './unrecorded-runs.js';

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
 *
 * The claim counts an attempt for the batch's first id only (`starts: 'first'`): the others
 * may never run in this delivery (it stops at the first failure), and a crash while the first
 * one runs must not cost them an attempt. Each later webhook is counted when it starts, by the
 * completion write of the webhook before it (`GroupedCompletions.next`), a write that happens
 * anyway: no round trip is added. Each id is claimed with its fingerprint, so that an id
 * already processed with another event or payload is told apart from a redelivery (logged,
 * counted, skipped as ever).
 */
export function claimBatch(
  settings: DeliverySettings,
  items: readonly BatchItem[],
  deadlineAt: number,
): BatchClaims | Promise<BatchClaims> {
  const { store, leaseMs, logger, owner } = settings;
  let ids: string[];
  let fingerprints: string[];
  let slots: number[];
  if (items.length === 1) {
    // A single webhook (Passfort's batching off) has no copies to look for.
    const { event } = items[0]!;
    ids = [event.id];
    fingerprints = [webhookFingerprint(event)];
    slots = [0];
  } else {
    // Made at their full size and cut to the ids claimed: grown by push from empty, each
    // was copied four times on the way to 100 (about 2 KB of garbage per list and batch).
    ids = new Array(items.length);
    fingerprints = new Array(items.length);
    slots = new Array(items.length);
    let claimed = 0;
    const seen = new Map<string, number>();
    for (let position = 0; position < items.length; position++) {
      const { event } = items[position]!;
      const first = seen.get(event.id);
      if (first !== undefined) {
        slots[position] = -1;
        const fingerprint = webhookFingerprint(event);
        if (fingerprint !== fingerprints[first]) {
          changedPayload(settings, event.id, event.event, fingerprintEvent(fingerprints[first]!));
        }
      } else {
        seen.set(event.id, claimed);
        fingerprints[claimed] = webhookFingerprint(event);
        ids[claimed] = event.id;
        slots[position] = claimed++;
      }
    }
    ids.length = claimed;
    fingerprints.length = claimed;
  }
  try {
    const outcomes = store.claim(ids, { leaseMs, owner, starts: 'first', fingerprints });
    // A store answering synchronously (the memory store) costs no microtask and no timer.
    if (!isThenable(outcomes)) return aligned(settings, items, slots, fingerprints, outcomes);
    // A claim that lands after the answer went out would hold ids nobody runs until their
    // lease ends, stalling Passfort's redelivery: give them back at once.
    const releaseLate = (late: readonly ClaimOutcome[]) => {
      const claimed = ids.filter((_, slot) => late[slot]?.status === 'claimed');
      if (claimed.length > 0) Promise.resolve(store.release(claimed, { owner })).catch(() => {});
    };
    return beforeDeadline(outcomes, deadlineAt, releaseLate).then(
      (answered) =>
        answered === LATE
          ? tooSlow(logger, deadlineAt)
          : aligned(settings, items, slots, fingerprints, answered),
      (cause: unknown) => unavailable(logger, cause),
    );
  } catch (cause) {
    return unavailable(logger, cause);
  }
}

// Plain functions rather than closures in claimBatch: made per request, closures cost an
// allocation each even when unused, and the memory store's path uses one of them.

function aligned(
  settings: DeliverySettings,
  items: readonly BatchItem[],
  slots: readonly number[],
  fingerprints: readonly string[],
  outcomes: readonly ClaimOutcome[],
): BatchClaims {
  const claims: BatchClaim[] = new Array(items.length);
  const unrecorded = unrecordedRuns(settings.store);
  for (let position = 0; position < items.length; position++) {
    const slot = slots[position]!;
    if (slot < 0) {
      claims[position] = DUPLICATE_IN_BATCH;
      continue;
    }
    let outcome = outcomes[slot];
    // Runs this process made while the store could not record them (see unrecordedRuns).
    if (outcome?.status === 'claimed' && unrecorded !== undefined && unrecorded.size > 0) {
      const missed = unrecorded.get(items[position]!.event.id);
      if (missed !== undefined) outcome = { status: 'claimed', attempt: outcome.attempt + missed };
    }
    claims[position] = outcome;
    const processed = (outcome as { fingerprint?: string } | undefined)?.fingerprint;
    if (processed !== undefined && processed !== fingerprints[slot]) {
      const { id, event } = items[position]!.event;
      changedPayload(settings, id, event, fingerprintEvent(processed));
    }
  }
  return { claims, error: undefined };
}

/**
 * An id arrived with another event or payload than the webhook processed (or claimed first)
 * under it: still a duplicate, skipped, but never silently. Events only: no payload value.
 */
function changedPayload(
  { logger, status }: DeliverySettings,
  id: string,
  event: string,
  processedEvent: string,
): void {
  status.recordChangedDuplicate();
  logger.warn?.(
    { id, event, processedEvent },
    processedEvent === event
      ? 'webhook id already processed with another payload: skipped as a duplicate'
      : 'webhook id already processed as another event: skipped as a duplicate',
  );
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
  { store, logger, owner }: DeliverySettings,
  items: readonly BatchItem[],
  from: number,
  claims: readonly BatchClaim[],
  deadlineAt: number,
): Promise<void> {
  const ids = heldClaims(items, claims, from);
  if (ids.length === 0) return;
  try {
    // Bounded too: a release that comes late still lands, and the lease covers one that never does.
    await beforeDeadline(Promise.resolve(store.release(ids, { owner })), deadlineAt);
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

/**
 * The id of the webhook that runs after `position` if it succeeds: the next one claimed, past
 * ids already done and copies; none when a busy one comes first (the batch stops there).
 */
export function nextToRun(
  items: readonly BatchItem[],
  claims: readonly BatchClaim[],
  position: number,
): string | undefined {
  for (let next = position + 1; next < items.length; next++) {
    const claim = claims[next];
    if (claim === DUPLICATE_IN_BATCH || claim?.status === 'done') continue;
    return claim?.status === 'claimed' ? items[next]!.event.id : undefined;
  }
  return undefined;
}
