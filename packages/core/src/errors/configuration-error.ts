import { PassfortWebhookError } from './passfort-webhook-error.js';

/**
 * A wrong option or a misuse of the API (a missing secret, an invalid table name, a second
 * consumer on one queue). Factories throw it at start-up, never at request time; the
 * message starts with `[passfort-webhooks]`.
 */
export class ConfigurationError extends PassfortWebhookError {
  static override readonly codes = ['INVALID_CONFIGURATION'] as const;
  override readonly name: string = 'ConfigurationError';
  constructor(message: string) {
    super('INVALID_CONFIGURATION', `[passfort-webhooks] ${message}`);
  }
}
