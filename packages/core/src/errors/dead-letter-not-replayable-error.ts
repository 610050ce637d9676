import { PassfortWebhookError } from './passfort-webhook-error.js';

/**
 * `deadLetters.replay(id)` would run no handler for the letter (409), so it runs nothing and
 * keeps the letter rather than delete a webhook nobody handled: its payload still misses its
 * event's schema and there is no `onAny` handler, or this receiver has no handler for its event
 * at all. `message` says which, and what to do.
 */
export class DeadLetterNotReplayableError extends PassfortWebhookError {
  static override readonly codes = ['DEAD_LETTER_NOT_REPLAYABLE'] as const;
  override readonly name = 'DeadLetterNotReplayableError';
  constructor(id: string, why: string) {
    super('DEAD_LETTER_NOT_REPLAYABLE', `Dead letter ${id} was not replayed: ${why}`, { id });
  }
}
