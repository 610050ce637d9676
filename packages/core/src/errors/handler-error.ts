import {
  PassfortWebhookError,
  type PassfortWebhookErrorOptions,
} from './passfort-webhook-error.js';

/** A handler threw while processing a webhook (500). `cause` is the handler's error. */
export class HandlerError extends PassfortWebhookError {
  static override readonly codes = ['HANDLER_FAILED'] as const;
  override readonly name = 'HandlerError';
  /** The event name of the webhook whose handler failed. */
  readonly event: string;
  constructor(event: string, options: PassfortWebhookErrorOptions) {
    super(
      'HANDLER_FAILED',
      `A handler failed for webhook ${options.id ?? ''} (${event}) at index ${options.index ?? '?'}`,
      options,
    );
    this.event = event;
  }
}
