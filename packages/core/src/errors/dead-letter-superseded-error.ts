import type { ProcessedWebhook } from '../stores/dedupe-store.js';
import { PassfortWebhookError } from './passfort-webhook-error.js';

/**
 * `deadLetters.replay(id)` (with the default `ifSuperseded: 'skip'`) found that newer webhooks
 * for the letter's profile were processed after it was set aside (409): running it now could
 * roll their state back. Nothing ran and the letter stays; replay it with
 * `{ ifSuperseded: 'run' }` to run it anyway (its handlers then see `ctx.replay`), or delete it.
 */
export class DeadLetterSupersededError extends PassfortWebhookError {
  static override readonly codes = ['DEAD_LETTER_SUPERSEDED'] as const;
  override readonly name = 'DeadLetterSupersededError';
  /** How many newer webhooks for the same profile were processed. */
  readonly supersededCount: number;
  /** The oldest of them, oldest first (at most 20). */
  readonly supersededBy: readonly ProcessedWebhook[];

  constructor(
    id: string,
    profileId: string,
    supersededCount: number,
    supersededBy: readonly ProcessedWebhook[],
  ) {
    super(
      'DEAD_LETTER_SUPERSEDED',
      `Dead letter ${id} was superseded by ${supersededCount} newer webhook${supersededCount === 1 ? '' : 's'} for profile ${profileId}; nothing ran. Replay it with { ifSuperseded: 'run' } to run it anyway, or delete it`,
      { id },
    );
    this.supersededCount = supersededCount;
    this.supersededBy = supersededBy;
  }
}
