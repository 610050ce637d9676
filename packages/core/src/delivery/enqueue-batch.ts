import type { PassfortWebhookError } from '../errors/passfort-webhook-error.js';
import { QueueUnavailableError } from '../errors/queue-unavailable-error.js';
import { StoreUnavailableError } from '../errors/store-unavailable-error.js';
import { WebhookBusyError } from '../errors/webhook-busy-error.js';
import type { DeliveryScope } from '../observability/instrumentation.js';
import type { WebhookQueue } from '../queues/webhook-queue.js';
import type { BatchItem } from '../receive/validate-envelope.js';
import type { ClaimOutcome, DedupeStore } from '../stores/dedupe-store.js';
import { type DeliveryOutcome, emptyOutcome } from './delivery-outcome.js';

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
): Promise<DeliveryOutcome> {
  const outcome = { ...emptyOutcome(items.length), queued: 0 };
  if (items.length === 0) return outcome;
  const unique = new Map<string, BatchItem>();
  for (const item of items) if (!unique.has(item.event.id)) unique.set(item.event.id, item);
  const ids = [...unique.keys()];
  let claims: readonly ClaimOutcome[];
  try {
    claims = await store.claim(ids.map(enqueuedKey), { leaseMs });
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
    await queue.enqueue(
      toQueue.map((item) => ({
        webhook: item.event,
        index: item.index,
        batchSize: items.length,
        receivedAt,
      })),
    );
    outcome.queued = toQueue.length;
    await store.complete(queuedKeys);
    for (const item of toQueue) {
      scope
        .envelope({ id: item.event.id, event: item.event.event, index: item.index })
        .end({ outcome: 'queued' });
    }
  } catch (cause) {
    error ??= new QueueUnavailableError(undefined, { cause });
  } finally {
    const notQueued =
      outcome.queued === 0
        ? claimed.map(enqueuedKey)
        : claimed.map(enqueuedKey).filter((key) => !queuedKeys.includes(key));
    await Promise.resolve(store.release(notQueued)).catch(() => {});
  }
  return error === undefined ? outcome : { ...outcome, error };
}
