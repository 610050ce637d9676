import { ConfigurationError } from '../../errors/configuration-error.js';
import { DeadLetterNotFoundError } from '../../errors/dead-letter-not-found-error.js';
import type { QueuedReplay, WebhookQueue } from '../../queues/webhook-queue.js';
import type {
  DeadLetter,
  ListDeadLettersOptions,
  ProcessedSince,
} from '../../stores/dedupe-store.js';
import type { DeliverySettings } from '../delivery-settings.js';
import type { WebhookRunner } from '../run/webhook-runner.js';
import { eventOf, replayDeadLetter, supersession } from './replay-dead-letter.js';

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
  /**
   * For a letter whose payload still misses its event's schema: `true` runs the event's typed
   * handlers with the payload as it is (`ctx.validated` false), after you checked that they can
   * take it. By default a replay re-validates the payload against today's schema (a library
   * upgrade may have fixed it); if it still misses, only `onAny` handlers run, and with none the
   * replay is refused with a `DeadLetterNotReplayableError` rather than delete a webhook nobody
   * handled.
   * @default false
   */
  readonly ignoreSchemaMismatch?: boolean;
}

/**
 * What a replay did: ran the letter's handlers here (`handlers` of them, the letter then
 * removed), or handed it to the workers (`'enqueued'`: the receiver's handlers run there; the
 * letter is removed once a worker's handlers succeeded).
 */
export type ReplayResult =
  | { readonly outcome: 'ran'; readonly handlers: number }
  | { readonly outcome: 'enqueued' };

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
   * Runs the dead letter's handlers now, as a delivery: it claims the letter, so concurrent
   * replays (a double click, two replicas' consoles) run it once, and the others reject with a
   * `WebhookBusyError`. On success the letter is deleted and recorded as processed. On a
   * receiver whose handlers run on the workers (`delivery: 'queue'`, `consume: false`) it is
   * handed to them instead (`{ outcome: 'enqueued' }`), and removed once they ran it.
   * Rejects with a `DeadLetterSupersededError` when newer webhooks for its profile were
   * processed since it was set aside and `ifSuperseded` is `'skip'` (the default; nothing ran,
   * the letter stays), with a `DeadLetterNotReplayableError` when no handler would run (the
   * letter stays), with a `HandlerError` if a handler fails again (the letter stays), and
   * with a `DeadLetterNotFoundError` for an id that is not a dead letter.
   * @example
   * await webhooks.deadLetters.replay('33bae6b8-5689-b96b-143c-06e93ab8527e');
   * await webhooks.deadLetters.replay(id, { ifSuperseded: 'run' }); // even if superseded
   */
  replay(id: string, options?: ReplayOptions): Promise<ReplayResult>;
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

/** `webhooks.deadLetters` over the store, replaying through the same runner as deliveries. */
export function createDeadLetters(
  settings: DeliverySettings,
  runner: WebhookRunner,
  workersQueue?: WebhookQueue,
): DeadLetters {
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
      const how = replayOptions(options);
      const letter = await find(id);
      if (workersQueue !== undefined) {
        // The handlers are on the workers: the letter goes to them, with how to run it; they
        // check supersession and handlers themselves, and remove the letter once it ran.
        await workersQueue.enqueue([
          { webhook: eventOf(letter), index: 0, batchSize: 1, receivedAt: Date.now(), replay: how },
        ]);
        settings.logger.info?.({ id }, 'dead letter handed to the workers for replay');
        return { outcome: 'enqueued' };
      }
      return { outcome: 'ran', handlers: await replayDeadLetter(settings, runner, letter, how) };
    },
  };
}

/** The replay options, checked once. */
function replayOptions(options: ReplayOptions): QueuedReplay {
  const ifSuperseded = options.ifSuperseded ?? 'skip';
  if (ifSuperseded !== 'skip' && ifSuperseded !== 'run') {
    throw new ConfigurationError(
      `deadLetters.replay: ifSuperseded must be 'skip' or 'run', not ${JSON.stringify(ifSuperseded)}`,
    );
  }
  return { ifSuperseded, ignoreSchemaMismatch: options.ignoreSchemaMismatch === true };
}
