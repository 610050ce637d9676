import {
  PassfortWebhookError,
  type PassfortWebhookErrorOptions,
} from './passfort-webhook-error.js';

/** The sender's address is not on `allowIps` (403). */
export class ForbiddenAddressError extends PassfortWebhookError {
  static override readonly codes = ['FORBIDDEN_IP'] as const;
  override readonly name = 'ForbiddenAddressError';
  constructor(message: string, options?: PassfortWebhookErrorOptions) {
    super('FORBIDDEN_IP', message, options);
  }
}
