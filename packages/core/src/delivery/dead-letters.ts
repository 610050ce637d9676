import { ConfigurationError } from '../errors/configuration-error.js';
import { DeadLetterNotFoundError } from '../errors/dead-letter-not-found-error.js';
import { DeadLetterSupersededError } from '../errors/dead-letter-superseded-error.js';
import { HandlerError } from '../errors/handler-error.js';
import type { AnyPassfortEvent } from '../events/passfort-event.js';
import { describeError } from '../observability/logger.js';
import { validateEventData } from '../receive/validate-envelope.js';
import type {
  DeadLetter,
  DedupeStore,
  ListDeadLettersOptions,
  ProcessedSince,
} from '../stores/dedupe-store.js';
import { completedWebhook, profileIdOf } from './completed-webhook.js';
import type { DeliverySettings } from './delivery-settings.js';
import { type WebhookRunner, webhookContext } from './run-webhook.js';
import type { WebhookContext } from './webhook-handler.js';

/** Options of {@link DeadLetters.replay}. */
export interface ReplayOptions {
  /**
   * What to do when webhooks for the letter's profile were processed after it was set aside
   * (it is *superseded*: their state is newer than its own). `'skip'` runs nothing, keeps the
   * letter and rejects with a `DeadLetterSupersededError` (409) naming them; `'run'` runs it
   * anyway, and its handlers see who superseded it in `ctx.replay`.
   *
   * Skipping is the default because a replay that writes old state over newer state is among
   * the most reported webhook bugs, and nothing else would stop it: the letter's handlers were
   * written for a delivery in Passfort's order, not for one arriving days late.
   * @default 'skip'
   */
  readonly ifSuperseded?: 'skip' | 'run';
}

/**
 * Listing, replaying and deleting dead letters: `webhooks.deadLetters`.
 *
 * A replay checks its order first: when the letter names a profile (`data.profile_id`) and the
 * store can tell (`processedSince`, which every store of this package has), it asks which
 * webhooks for that profile were processed after the letter was set aside. If any were, the
 * replay runs nothing by default (see {@link ReplayOptions.ifSuperseded}); with
 * `{ ifSuperseded: 'run' }` it runs, and `ctx.replay` tells every handler when the letter was set
 * aside and which webhooks superseded it. A replay that succeeds is recorded like any processed
 * webhook, so replaying an older letter of the same profile afterwards sees it too.
 *
 * @example
 * try {
 *   await webhooks.deadLetters.replay(id);
 * } catch (error) {
 *   if (!DeadLetterSupersededError.is(error)) throw error;
 *   // Newer webhooks for this profile already ran: look at them, then decide.
 *   console.log(error.supersededBy); // [{ id, event, processedAt }, ...]
 *   await webhooks.deadLetters.replay(id, { ifSuperseded: 'run' }); // handlers see ctx.replay
 * }
 */
export interface DeadLetters {
  /**
   * Dead letters, oldest first.
   * @example const letters = await webhooks.deadLetters.list({ limit: 50 });
   */
  list(options?: ListDeadLettersOptions): Promise<readonly DeadLetter[]>;
  /** One dead letter by webhook id, or undefined. */
  get(id: string): Promise<DeadLetter | undefined>;
  /**
   * Runs the dead letter's handlers now; on success it is deleted and recorded as processed.
   * Rejects with a `DeadLetterSupersededError` when newer webhooks for its profile were
   * processed since it was set aside and `ifSuperseded` is `'skip'` (the default; nothing ran,
   * the letter stays), with a `HandlerError` if a handler fails again (the letter stays), and
   * with a `DeadLetterNotFoundError` for an id that is not a dead letter.
   * @example
   * await webhooks.deadLetters.replay('33bae6b8-5689-b96b-143c-06e93ab8527e');
   * await webhooks.deadLetters.replay(id, { ifSuperseded: 'run' }); // even if superseded
   */
  replay(id: string, options?: ReplayOptions): Promise<void>;
  /**
   * The webhooks for the dead letter's profile processed after it was set aside, without
   * replaying it: what a replay would be refused for (or tell its handlers in `ctx.replay`).
   * `{ count: 0, webhooks: [] }` when the letter names no profile or the store cannot tell.
   * Takes the letter's id, or the letter as `list()` or `get()` returned it (which saves
   * reading it again); rejects with a `DeadLetterNotFoundError` for an id that is not a dead
   * letter.
   * @example
   * const { count, webhooks: newer } = await webhooks.deadLetters.supersededBy(id);
   * if (count > 0) console.log(`superseded by ${count} newer webhooks`, newer);
   */
  supersededBy(letter: string | DeadLetter): Promise<ProcessedSince>;
  /** Deletes a dead letter without running it; true if there was one. */
  delete(id: string): Promise<boolean>;
}

const NOT_SUPERSEDED: ProcessedSince = Object.freeze({ count: 0, webhooks: Object.freeze([]) });

/** `webhooks.deadLetters` over the store, replaying through the same runner as deliveries. */
export function createDeadLetters(settings: DeliverySettings, runner: WebhookRunner): DeadLetters {
  const { store } = settings;
  const find = async (id: string) => {
    const letter = await store.getDeadLetter(id);
    if (letter === undefined) throw new DeadLetterNotFoundError(id);
    return letter;
  };
  return {
    list: async (options) => store.listDeadLetters(options),
    get: async (id) => store.getDeadLetter(id),
    delete: async (id) => store.deleteDeadLetter(id),
    supersededBy: async (letter) =>
      supersession(store, typeof letter === 'string' ? await find(letter) : letter),
    async replay(id, options = {}) {
      const ifSuperseded = options.ifSuperseded ?? 'skip';
      if (ifSuperseded !== 'skip' && ifSuperseded !== 'run') {
        throw new ConfigurationError(
          `deadLetters.replay: ifSuperseded must be 'skip' or 'run', not ${JSON.stringify(ifSuperseded)}`,
        );
      }
      const letter = await find(id);
      const superseded = await supersession(store, letter);
      if (superseded.count > 0 && ifSuperseded === 'skip') {
        throw new DeadLetterSupersededError(
          letter.id,
          profileOf(letter)!,
          superseded.count,
          superseded.webhooks,
        );
      }
      await replay(settings, runner, letter, superseded);
    },
  };
}

/**
 * The letter's profile. Letters set aside before dead letters carried `profileId` (or kept by a
 * store that does not store it) still name theirs in the webhook itself.
 */
function profileOf(letter: DeadLetter): string | undefined {
  return letter.profileId ?? profileIdOf(letter.webhook as unknown as AnyPassfortEvent);
}

/** The webhooks for the letter's profile processed since it was set aside (not itself). */
async function supersession(store: DedupeStore, letter: DeadLetter): Promise<ProcessedSince> {
  const profileId = profileOf(letter);
  if (profileId === undefined || store.processedSince === undefined) return NOT_SUPERSEDED;
  return store.processedSince(profileId, letter.failedAt, { excluding: letter.id });
}

/** Runs a dead letter's handlers now; on success it is removed from the dead letters. */
async function replay(
  { store, status, logger }: DeliverySettings,
  runner: WebhookRunner,
  letter: DeadLetter,
  superseded: ProcessedSince,
): Promise<void> {
  const event = letter.webhook as unknown as AnyPassfortEvent;
  const validation = validateEventData(event, 0);
  const context: WebhookContext = {
    ...webhookContext(validation, 1, letter.attempts + 1, new Date(), store),
    replay: {
      deadLetteredAt: new Date(letter.failedAt),
      supersededCount: superseded.count,
      supersededBy: superseded.webhooks,
    },
  };
  try {
    await runner.runHandlers(validation, context);
  } catch (cause) {
    throw new HandlerError(event.event, { cause, index: 0, id: letter.id });
  }
  status.recordProcessed();
  await store.deleteDeadLetter(letter.id);
  // Recorded like any processed webhook, so that replaying an older letter of the same profile
  // later learns this one ran. After the delete: a crash between the two must not leave a
  // letter that already ran, to be replayed (and run) a second time.
  const completed = completedWebhook(event);
  try {
    await (completed === undefined
      ? store.complete([letter.id])
      : store.complete([letter.id], {
          // Filed where it stands in Passfort's order: replaying a profile's letters oldest first
          // must not make each later letter look superseded by the one replayed before it.
          profiles: [{ ...completed, processedAt: letter.failedAt }],
        }));
  } catch (error) {
    // The handlers ran and the letter is gone: failing the replay now would only invite a
    // second run. What is lost is the profile's record, so say so.
    logger.warn?.(
      { id: letter.id, error: describeError(error) },
      'replayed dead letter ran, but its completion could not be recorded for order-safe replay',
    );
  }
}
