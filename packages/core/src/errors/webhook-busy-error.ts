import {
  PassfortWebhookError,
  type PassfortWebhookErrorOptions,
} from './passfort-webhook-error.js';

/** Another delivery holds the claim on a webhook of the request (503); it is not lost. */
export class WebhookBusyError extends PassfortWebhookError {
  static override readonly codes = ['IN_PROGRESS'] as const;
  override readonly name = 'WebhookBusyError';
  constructor(message: string, options?: PassfortWebhookErrorOptions) {
    super('IN_PROGRESS', message, options);
  }
}
