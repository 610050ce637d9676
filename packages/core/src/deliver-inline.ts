import type { DedupeStore } from './dedupe-store.js';
import { HandlerError, type PassfortWebhookError, StoreError } from './errors.js';
import { describeError, type Logger } from './logger.js';
import type { EventValidation } from './validate-envelope.js';
import type { HandlerRegistry, WebhookContext } from './webhook-handlers.js';

/** Counts of one delivery, and the error that stopped it, if any. */
export interface DeliveryOutcome {
  received: number;
  processed: number;
  duplicates: number;
  error?: PassfortWebhookError;
}

export interface InlineDeliveryDeps {
  readonly store: DedupeStore;
  readonly leaseMs: number;
  readonly handlers: HandlerRegistry;
  readonly logger: Logger;
}

/**
 * Runs a batch's handlers now, in order, each id's at most once. Claims the whole batch in
 * one store call; an id already done is skipped; the first failure or busy id stops the
 * batch there: what ran before it stays done, it and everything after it is released so
 * Passfort's redelivery runs exactly the rest.
 */
export async function deliverInline(
  items: readonly EventValidation[],
  deps: InlineDeliveryDeps,
): Promise<DeliveryOutcome> {
  const outcome: DeliveryOutcome = { received: items.length, processed: 0, duplicates: 0 };
  if (items.length === 0) return outcome;

  // A webhook id repeated inside one batch is claimed once; its later copies are duplicates.
  const firstIndex = new Map<string, number>();
  items.forEach(({ event }, index) => {
    if (!firstIndex.has(event.id)) firstIndex.set(event.id, index);
  });
  const ids = [...firstIndex.keys()];
  let claims: Awaited<ReturnType<DedupeStore['claim']>>;
  try {
    claims = await deps.store.claim(ids, { leaseMs: deps.leaseMs });
  } catch (cause) {
    deps.logger.error?.({ error: describeError(cause) }, 'dedupe store claim failed');
    outcome.error = new StoreError('STORE_UNAVAILABLE', 'Dedupe store is unavailable', { cause });
    return outcome;
  }
  const claimById = new Map(ids.map((id, i) => [id, claims[i]]));
  const receivedAt = new Date();
  const completions: Promise<void>[] = [];

  for (let index = 0; index < items.length; index++) {
    const item = items[index]!;
    const { id } = item.event;
    const claim = claimById.get(id);
    if (firstIndex.get(id) !== index || claim?.status === 'done') {
      outcome.duplicates++;
      continue;
    }
    if (claim?.status !== 'claimed') {
      outcome.error = new StoreError(
        'IN_PROGRESS',
        `Webhook ${id} at index ${index} is being processed by another delivery`,
        { index, id },
      );
      await releaseRest(items, index, firstIndex, claimById, deps);
      break;
    }
    const context: WebhookContext = {
      id,
      index,
      batchSize: items.length,
      attempt: claim.attempt,
      receivedAt,
      validated: item.validated,
    };
    if (!item.validated && item.mismatch !== undefined) {
      await notifyError(deps, { error: item.mismatch, event: item.event, context });
    }
    try {
      for (const handler of deps.handlers.handlersFor(item.event.event, item.validated)) {
        await handler(item.event, context);
      }
    } catch (cause) {
      const error = new HandlerError(item.event.event, { cause, index, id });
      deps.logger.error?.(
        { id, event: item.event.event, index, attempt: claim.attempt, error: describeError(cause) },
        'webhook handler failed',
      );
      await notifyError(deps, { error, event: item.event, context });
      outcome.error = error;
      await releaseRest(items, index, firstIndex, claimById, deps);
      break;
    }
    outcome.processed++;
    // Recorded right away (not at the end) so a crash later in the batch loses no record.
    completions.push(Promise.resolve().then(() => deps.store.complete([id])));
  }

  const recorded = await Promise.allSettled(completions);
  const failed = recorded.find((result) => result.status === 'rejected');
  if (failed !== undefined && outcome.error === undefined) {
    deps.logger.error?.({ error: describeError(failed.reason) }, 'dedupe store complete failed');
    outcome.error = new StoreError(
      'STORE_UNAVAILABLE',
      'Webhooks were handled but the dedupe store could not record it',
      { cause: failed.reason },
    );
  }
  return outcome;
}

async function releaseRest(
  items: readonly EventValidation[],
  from: number,
  firstIndex: ReadonlyMap<string, number>,
  claimById: ReadonlyMap<string, { status: string } | undefined>,
  deps: InlineDeliveryDeps,
): Promise<void> {
  const ids: string[] = [];
  for (let index = from; index < items.length; index++) {
    const { id } = items[index]!.event;
    if (firstIndex.get(id) === index && claimById.get(id)?.status === 'claimed') ids.push(id);
  }
  if (ids.length === 0) return;
  try {
    await deps.store.release(ids);
  } catch (cause) {
    // The claims will expire after their lease; the redelivery waits until then.
    deps.logger.warn?.({ error: describeError(cause) }, 'dedupe store release failed');
  }
}

async function notifyError(
  deps: InlineDeliveryDeps,
  failure: Parameters<HandlerRegistry['errorHandlers'][number]>[0],
): Promise<void> {
  for (const listener of deps.handlers.errorHandlers) {
    try {
      await listener(failure);
    } catch (error) {
      deps.logger.warn?.({ error: describeError(error) }, 'onError listener threw');
    }
  }
}
