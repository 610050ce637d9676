import type { PassfortWebhookError } from '../../errors/passfort-webhook-error.js';
import { StoreUnavailableError } from '../../errors/store-unavailable-error.js';
import { WebhookBusyError } from '../../errors/webhook-busy-error.js';
import type { BatchItem } from '../../events/validate-event-data.js';

/** The error that stops a batch at a webhook another delivery is processing (a 503). */
export function busyError(item: BatchItem): PassfortWebhookError {
  const { id } = item.event;
  return new WebhookBusyError(
    `Webhook ${id} at index ${item.index} is being processed by another delivery`,
    { index: item.index, id },
  );
}

/** The error that stops a batch once a completion could not be recorded (a 503). */
export function completionsFailedError(item: BatchItem): PassfortWebhookError {
  return new StoreUnavailableError('The dedupe store stopped answering during the batch', {
    index: item.index,
    id: item.event.id,
  });
}
