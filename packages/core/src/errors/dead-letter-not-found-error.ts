import { PassfortWebhookError } from './passfort-webhook-error.js';

/** `deadLetters.replay(id)` was asked for an id that is not a dead letter (404). */
export class DeadLetterNotFoundError extends PassfortWebhookError {
  static override readonly codes = ['DEAD_LETTER_NOT_FOUND'] as const;
  override readonly name = 'DeadLetterNotFoundError';
  constructor(id: string) {
    super('DEAD_LETTER_NOT_FOUND', `No dead letter with id ${id}`, { id });
  }
}
