import { DeadLetterNotFoundError } from '../errors/dead-letter-not-found-error.js';
import { HandlerError } from '../errors/handler-error.js';
import type { AnyPassfortEvent } from '../events/passfort-event.js';
import { validateEventData } from '../receive/validate-envelope.js';
import type { DeadLetter, ListDeadLettersOptions } from '../stores/dedupe-store.js';
import type { DeliverySettings } from './delivery-settings.js';
import { type WebhookRunner, webhookContext } from './run-webhook.js';

/** Listing, replaying and deleting dead letters: `webhooks.deadLetters`. */
export interface DeadLetters {
  /**
   * Dead letters, oldest first.
   * @example const letters = await webhooks.deadLetters.list({ limit: 50 });
   */
  list(options?: ListDeadLettersOptions): Promise<readonly DeadLetter[]>;
  /** One dead letter by webhook id, or undefined. */
  get(id: string): Promise<DeadLetter | undefined>;
  /**
   * Runs the dead letter's handlers now; on success it is deleted. Rejects with a
   * `HandlerError` if a handler fails again (the dead letter stays), and with a
   * `DeadLetterNotFoundError` for an id that is not a dead letter.
   * @example await webhooks.deadLetters.replay('33bae6b8-5689-b96b-143c-06e93ab8527e');
   */
  replay(id: string): Promise<void>;
  /** Deletes a dead letter without running it; true if there was one. */
  delete(id: string): Promise<boolean>;
}

/** `webhooks.deadLetters` over the store, replaying through the same runner as deliveries. */
export function createDeadLetters(settings: DeliverySettings, runner: WebhookRunner): DeadLetters {
  const { store } = settings;
  return {
    list: async (options) => store.listDeadLetters(options),
    get: async (id) => store.getDeadLetter(id),
    delete: async (id) => store.deleteDeadLetter(id),
    async replay(id) {
      const letter = await store.getDeadLetter(id);
      if (letter === undefined) throw new DeadLetterNotFoundError(id);
      await replay(settings, runner, letter);
    },
  };
}

/** Runs a dead letter's handlers now; on success it is removed from the dead letters. */
async function replay(
  { store, status }: DeliverySettings,
  runner: WebhookRunner,
  letter: DeadLetter,
): Promise<void> {
  const event = letter.webhook as unknown as AnyPassfortEvent;
  const validation = validateEventData(event, 0);
  const context = webhookContext(validation, 1, letter.attempts + 1, new Date(), store);
  try {
    await runner.runHandlers(validation, context);
  } catch (cause) {
    throw new HandlerError(event.event, { cause, index: 0, id: letter.id });
  }
  status.recordProcessed();
  await store.deleteDeadLetter(letter.id);
}
