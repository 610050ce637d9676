import type { PassfortWebhookErrorOptions } from './passfort-webhook-error.js';
import { PayloadError } from './payload-error.js';

/**
 * A webhook of a documented event whose payload does not match the event's schema. It is
 * set aside as a dead letter, or (`onSchemaMismatch: 'deliver'`) delivered to `onAny`
 * unvalidated; `onError` hears it either way. Never an HTTP answer.
 */
export class SchemaMismatchError extends PayloadError {
  /** Its code is shared with a malformed envelope, so another copy's error is told by name. */
  static override readonly exclusiveName = 'SchemaMismatchError';
  override readonly name = 'SchemaMismatchError';
  /** Paths of the fields that did not match, e.g. `data.new_status`. Never values. */
  readonly paths: readonly string[];
  constructor(event: string, paths: readonly string[], options: PassfortWebhookErrorOptions) {
    super(
      'INVALID_ENVELOPE',
      `Webhook ${options.id ?? ''} (${event}) does not match its schema at ${paths.join(', ')}`,
      options,
    );
    this.paths = paths;
  }
}
