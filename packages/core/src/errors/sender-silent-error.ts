import {
  PassfortWebhookError,
  type PassfortWebhookErrorOptions,
} from './passfort-webhook-error.js';

/**
 * Nothing authentic arrived from Passfort within `expectWebhookWithin`: `onError` hears it
 * once when the silence begins. Passfort may have stalled, the webhook may have been turned
 * off, or the secret rotated on one side only. No request is refused because of it.
 */
export class SenderSilentError extends PassfortWebhookError {
  static override readonly codes = ['SENDER_SILENT'] as const;
  override readonly name = 'SenderSilentError';
  /** When the receiver started counting as silent. */
  readonly silentSince: Date;
  constructor(silentSince: Date, expectedWithinMs: number, options?: PassfortWebhookErrorOptions) {
    super(
      'SENDER_SILENT',
      `No authentic webhook arrived within ${expectedWithinMs} ms (silent since ${silentSince.toISOString()}); check the webhook's status in the Passfort portal`,
      options,
    );
    this.silentSince = silentSince;
  }
}
