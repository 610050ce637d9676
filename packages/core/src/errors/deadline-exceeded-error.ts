import {
  PassfortWebhookError,
  type PassfortWebhookErrorOptions,
} from './passfort-webhook-error.js';

/**
 * The request's time budget was spent before every webhook was done (503), so the receiver
 * answered in time for Passfort; the rest is left for its redelivery.
 */
export class DeadlineExceededError extends PassfortWebhookError {
  static override readonly codes = ['DEADLINE_EXCEEDED'] as const;
  override readonly name = 'DeadlineExceededError';
  constructor(message: string, options?: PassfortWebhookErrorOptions) {
    super('DEADLINE_EXCEEDED', message, options);
  }
}
