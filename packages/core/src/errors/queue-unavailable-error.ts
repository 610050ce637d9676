import {
  PassfortWebhookError,
  type PassfortWebhookErrorOptions,
  withCauseText,
} from './passfort-webhook-error.js';

/** The webhook queue failed or could not be reached (503); nothing was acked as queued. */
export class QueueUnavailableError extends PassfortWebhookError {
  static override readonly codes = ['QUEUE_UNAVAILABLE'] as const;
  override readonly name = 'QueueUnavailableError';
  constructor(message = 'The webhook queue is unavailable', options?: PassfortWebhookErrorOptions) {
    super('QUEUE_UNAVAILABLE', withCauseText(message, options?.cause), options, message);
  }
}
