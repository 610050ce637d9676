import {
  PassfortWebhookError,
  type PassfortWebhookErrorOptions,
  withCauseText,
} from './passfort-webhook-error.js';

/**
 * The dedupe store failed or could not be reached (503). `cause` holds the store's error;
 * nothing it could not record was acked.
 */
export class StoreUnavailableError extends PassfortWebhookError {
  static override readonly codes = ['STORE_UNAVAILABLE'] as const;
  override readonly name = 'StoreUnavailableError';
  constructor(message = 'Dedupe store is unavailable', options?: PassfortWebhookErrorOptions) {
    super('STORE_UNAVAILABLE', withCauseText(message, options?.cause), options, message);
  }
}
