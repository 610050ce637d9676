import {
  PassfortWebhookError,
  type PassfortWebhookErrorOptions,
  withCauseText,
} from './passfort-webhook-error.js';

/**
 * A handler threw while processing a webhook (500). `cause` is the handler's error, and its
 * message ends `message`; the 500 answers with `summary` only.
 */
export class HandlerError extends PassfortWebhookError {
  static override readonly codes = ['HANDLER_FAILED'] as const;
  override readonly name = 'HandlerError';
  /** The event name of the webhook whose handler failed. */
  readonly event: string;
  constructor(event: string, options: PassfortWebhookErrorOptions) {
    const summary = `A handler failed for webhook ${options.id ?? ''} (${event}) at index ${options.index ?? '?'}`;
    super('HANDLER_FAILED', withCauseText(summary, options.cause), options, summary);
    this.event = event;
  }
}
