import type { HandlerError } from '../../errors/handler-error.js';
import type { SchemaMismatchError } from '../../errors/schema-mismatch-error.js';
import { StoreUnavailableError } from '../../errors/store-unavailable-error.js';
import type { BatchItem } from '../../events/validate-event-data.js';
import { describeError } from '../../observability/logger.js';
import { noRedaction } from '../../observability/redact-secrets.js';
import type { DeadLetter } from '../../stores/dedupe-store.js';
import type { DeliverySettings } from '../delivery-settings.js';
import type { WebhookContext, WebhookFailure } from '../webhook-handler.js';
import { profileIdOf } from './completed-webhook.js';
import type { WebhookResult } from './webhook-result.js';

/**
 * Sets a webhook aside as a dead letter (so it is acked and cannot stall Passfort's
 * queue), then tells `onError`. A dead letter that cannot be stored is a failure: the
 * webhook is not acked, and Passfort's redelivery tries again.
 */
export async function setAside(
  { store, logger, status, redact = noRedaction }: DeliverySettings,
  notify: (failure: WebhookFailure) => Promise<void>,
  item: BatchItem,
  context: WebhookContext,
  error: HandlerError | SchemaMismatchError,
  reason: DeadLetter['reason'],
): Promise<WebhookResult> {
  const { id, event } = item.event;
  // Scrubbed before it is kept: a handler's error may quote a webhook secret.
  const cause = redact(error.cause instanceof Error ? error.cause.message : error.message);
  // The profile lets a replay ask which webhooks for it were processed after this one was set
  // aside (order-safe replay); no key at all when there is none, so a letter reads back equal.
  const profileId = profileIdOf(item.event);
  try {
    await store.addDeadLetter({
      id,
      event,
      webhook: item.event,
      reason,
      error: cause,
      attempts: context.attempt,
      failedAt: Date.now(),
      ...(profileId === undefined ? {} : { profileId }),
    });
  } catch (storeError) {
    logger.error?.(
      { id, error: describeError(storeError, redact) },
      'could not store a dead letter',
    );
    return {
      kind: 'failed',
      error: new StoreUnavailableError(undefined, { cause: storeError, index: item.index, id }),
    };
  }
  logger.warn?.(
    { id, event, reason, attempts: context.attempt },
    'webhook moved to the dead letters',
  );
  status.recordFailure({ id, event, error: cause, attempts: context.attempt, deadLettered: true });
  await notify({ error, event: item.event, context, deadLettered: true });
  return { kind: 'dead-lettered', reason, error };
}
