import { PassfortWebhookError } from '../../errors/passfort-webhook-error.js';
import { QueueUnavailableError } from '../../errors/queue-unavailable-error.js';
import { StoreUnavailableError } from '../../errors/store-unavailable-error.js';
import { WebhookBusyError } from '../../errors/webhook-busy-error.js';
import type { BatchItem } from '../../events/validate-event-data.js';
import type { DeliveryScope } from '../../observability/instrumentation.js';
import type { WebhookQueue } from '../../queues/webhook-queue.js';
import type { ClaimOutcome, DedupeStore } from '../../stores/dedupe-store.js';
import { type DeliveryOutcome, emptyOutcome } from '../delivery-outcome.js';
import { beforeDeadline, LATE } from '../time/deadline.js';

/** Dedupe-store key recording that a webhook was enqueued (the worker claims the bare id). */
const enqueuedKey = (id: string) => `enqueued:${id}`;

/**
 * Queue delivery's hand-off: claims the batch's "enqueued" records (a webhook enqueued
 * before is a duplicate; one being enqueued by a concurrent request stops the batch with
 * 503), enqueues the new webhooks in order, records them as enqueued, and only then acks.
 * The worker claims each webhook id itself when it runs it: that is what makes it
 * exactly-once.
 */
export async function enqueueBatch(
  store: DedupeStore,
  leaseMs: number,
  queue: WebhookQueue,
  items: readonly BatchItem[],
  scope: DeliveryScope,
  deadlineAt: number,
): Promise<DeliveryOutcome> {
  const outcome = { ...emptyOutcome(items.length), queued: 0 };
  if (items.length === 0) return outcome;
  const unique = new Map<string, BatchItem>();
  for (const item of items) if (!unique.has(item.event.id)) unique.set(item.event.id, item);
  const ids = [...unique.keys()];
  const keys = ids.map(enqueuedKey);
  let claims: readonly ClaimOutcome[];
  try {
    // Every call is bounded by the request's deadline (see beforeDeadline); a claim that
    // lands late is given back at once.
    const answered = await beforeDeadline(
      Promise.resolve(store.claim(keys, { leaseMs })),
      deadlineAt,
      (late) => {
        const claimed = keys.filter((_, i) => late[i]?.status === 'claimed');
        Promise.resolve(store.release(claimed)).catch(() => {});
      },
    );
    if (answered === LATE) {
      const error = new StoreUnavailableError(
        'The dedupe store did not answer before the response deadline',
      );
      return { ...outcome, error };
    }
    claims = answered;
  } catch (cause) {
    return { ...outcome, error: new StoreUnavailableError(undefined, { cause }) };
  }
  const claimed = ids.filter((_, i) => claims[i]?.status === 'claimed');
  const busyAt = ids.findIndex((_, i) => claims[i]?.status === 'busy');
  // Order holds: nothing after a webhook still being enqueued elsewhere is enqueued now.
  const toQueue = ids
    .slice(0, busyAt === -1 ? ids.length : busyAt)
    .filter((_, i) => claims[i]?.status === 'claimed')
    .map((id) => unique.get(id)!);
  outcome.duplicates = items.length - ids.length + claims.filter((c) => c.status === 'done').length;
  let error: PassfortWebhookError | undefined;
  if (busyAt !== -1) {
    const { index } = unique.get(ids[busyAt]!)!;
    error = new WebhookBusyError(
      `Webhook ${ids[busyAt]} at index ${index} is being enqueued by another delivery`,
      { index, id: ids[busyAt]! },
    );
  }
  const queuedKeys = toQueue.map((item) => enqueuedKey(item.event.id));
  try {
    const receivedAt = Date.now();
    const traceparent = scope.traceparent?.();
    const enqueued = await beforeDeadline(
      queue.enqueue(
        toQueue.map((item) => ({
          webhook: item.event,
          index: item.index,
          batchSize: items.length,
          receivedAt,
          ...(traceparent === undefined ? {} : { traceparent }),
        })),
      ),
      deadlineAt,
    );
    // Enqueued late, the webhooks run anyway; the redelivery enqueues them again and the
    // worker, which claims each id itself, skips the copies.
    if (enqueued === LATE) {
      throw new QueueUnavailableError(
        'The webhook queue did not answer before the response deadline',
      );
    }
    outcome.queued = toQueue.length;
    if ((await beforeDeadline(Promise.resolve(store.complete(queuedKeys)), deadlineAt)) === LATE) {
      throw new StoreUnavailableError(
        'The dedupe store did not answer before the response deadline',
      );
    }
    for (const item of toQueue) {
      scope
        .envelope({ id: item.event.id, event: item.event.event, index: item.index })
        .end({ outcome: 'queued' });
    }
  } catch (cause) {
    error ??= PassfortWebhookError.is(cause)
      ? cause
      : new QueueUnavailableError(undefined, { cause });
  } finally {
    const notQueued =
      outcome.queued === 0
        ? claimed.map(enqueuedKey)
        : claimed.map(enqueuedKey).filter((key) => !queuedKeys.includes(key));
    await beforeDeadline(Promise.resolve(store.release(notQueued)), deadlineAt).catch(() => {});
  }
  return error === undefined ? outcome : { ...outcome, error };
}
