import { PassfortWebhookError } from './passfort-webhook-error.js';

/**
 * A handler (or an `onError` listener) did not settle within `handlerTimeoutMs`: it counts as
 * failed, so the webhook is retried and, after `maxAttempts`, dead-lettered, instead of holding
 * its claim — and Passfort's whole queue behind it — for ever. JavaScript cannot stop the
 * handler itself: it goes on in the background, so make handlers that can hang (an HTTP call
 * without a timeout, a lock) time out on their own, and put database writes in
 * `ctx.transaction`, whose effect happens once whichever run commits it.
 */
export class HandlerTimeoutError extends PassfortWebhookError {
  static override readonly codes = ['HANDLER_TIMEOUT'] as const;
  override readonly name = 'HandlerTimeoutError';
  readonly timeoutMs: number;
  constructor(event: string, timeoutMs: number, options: { id?: string; index?: number } = {}) {
    super(
      'HANDLER_TIMEOUT',
      `A handler for ${event} did not settle within handlerTimeoutMs (${timeoutMs} ms); it counts as failed and the webhook is retried (the handler itself cannot be stopped and may still finish)`,
      options,
    );
    this.timeoutMs = timeoutMs;
  }
}
