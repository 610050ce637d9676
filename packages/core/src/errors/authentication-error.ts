import {
  PassfortWebhookError,
  type PassfortWebhookErrorOptions,
} from './passfort-webhook-error.js';

/** The request was not authentic: a missing or wrong secret (401). */
export class AuthenticationError extends PassfortWebhookError {
  static override readonly codes = ['UNAUTHORIZED'] as const;
  override readonly name = 'AuthenticationError';
  constructor(message: string, options?: PassfortWebhookErrorOptions) {
    super('UNAUTHORIZED', message, options);
  }
}
