import { ConfigurationError } from '../../errors/configuration-error.js';
import { DeadLetterNotFoundError } from '../../errors/dead-letter-not-found-error.js';
import { DeadLetterNotReplayableError } from '../../errors/dead-letter-not-replayable-error.js';
import { DeadLetterSupersededError } from '../../errors/dead-letter-superseded-error.js';
import { HandlerError } from '../../errors/handler-error.js';
import { WebhookBusyError } from '../../errors/webhook-busy-error.js';
import type { AnyPassfortEvent } from '../../events/passfort-event.js';
import { validateEventData } from '../../events/validate-event-data.js';
import { describeError } from '../../observability/logger.js';
import type { QueuedReplay, QueuedWebhook, WebhookQueue } from '../../queues/webhook-queue.js';
import type {
  DeadLetter,
  DedupeStore,
  ListDeadLettersOptions,
  ProcessedSince,
} from '../../stores/dedupe-store.js';
import type { DeliverySettings } from '../delivery-settings.js';
import { completedWebhook, profileIdOf } from '../run/completed-webhook.js';
import { type WebhookRunner, webhookContext } from '../run-webhook.js';
import type { WebhookContext } from '../webhook-handler.js';

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

const NOT_SUPERSEDED: ProcessedSince = Object.freeze({ count: 0, webhooks: Object.freeze([]) });

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
      return { outcome: 'ran', handlers: await replay(settings, runner, letter, how) };
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

function eventOf(letter: DeadLetter): AnyPassfortEvent {
  return letter.webhook as unknown as AnyPassfortEvent;
}

/**
 * The key a replay claims. Not the webhook's id: that one is done (a dead letter's id stays
 * done, so that Passfort's redeliveries skip it), and a replay must exclude other replays.
 */
function replayKey(id: string): string {
  return `replay:${id}`;
}

/**
 * Runs a dead letter's handlers now, as a delivery: claimed (one replay at a time), refused
 * when no handler would run, and the letter removed only once its handlers succeeded. Returns
 * how many handlers ran.
 */
async function replay(
  settings: DeliverySettings,
  runner: WebhookRunner,
  letter: DeadLetter,
  how: QueuedReplay,
): Promise<number> {
  const { store, status, logger, leaseMs } = settings;
  const superseded = await supersession(store, letter);
  if (superseded.count > 0 && how.ifSuperseded === 'skip') {
    throw new DeadLetterSupersededError(
      letter.id,
      profileOf(letter)!,
      superseded.count,
      superseded.webhooks,
    );
  }
  const event = eventOf(letter);
  const checked = validateEventData(event, 0);
  const validation =
    how.ignoreSchemaMismatch && !checked.validated
      ? { ...checked, validated: true as const }
      : checked;
  const handlers = settings.handlers.handlersFor(event.event, validation.validated);
  if (handlers.length === 0) {
    throw new DeadLetterNotReplayableError(
      letter.id,
      noHandlerReason(settings, letter, checked.validated),
    );
  }
  const key = replayKey(letter.id);
  const [claim] = await store.claim([key], { leaseMs });
  if (claim?.status !== 'claimed') {
    throw new WebhookBusyError(
      claim?.status === 'busy'
        ? `Dead letter ${letter.id} is being replayed by another call (a second click, another replica): it runs once`
        : `Dead letter ${letter.id} was replayed already`,
      { id: letter.id },
    );
  }
  const lease = settings.leases.hold(() => [key]);
  const context: WebhookContext = {
    ...webhookContext(
      { ...validation, validated: checked.validated },
      1,
      letter.attempts + 1,
      new Date(),
      store,
    ),
    replay: {
      deadLetteredAt: new Date(letter.failedAt),
      supersededCount: superseded.count,
      supersededBy: superseded.webhooks,
    },
  };
  try {
    try {
      await runner.runHandlers(validation, context);
    } catch (cause) {
      try {
        await store.release([key], { failed: true });
      } catch {
        // its lease ends by itself; the letter is kept either way
      }
      throw new HandlerError(event.event, { cause, index: 0, id: letter.id });
    }
  } finally {
    lease.release();
  }
  status.recordProcessed();
  await store.deleteDeadLetter(letter.id);
  // Recorded like any processed webhook, so that replaying an older letter of the same profile
  // later learns this one ran. After the delete: a crash between the two must not leave a
  // letter that already ran, to be replayed (and run) a second time.
  const completed = completedWebhook(event);
  try {
    await store.complete(
      [letter.id, key],
      completed === undefined
        ? undefined
        : {
            // Filed where it stands in Passfort's order: replaying a profile's letters oldest first
            // must not make each later letter look superseded by the one replayed before it.
            profiles: [{ ...completed, processedAt: letter.failedAt }],
          },
    );
  } catch (error) {
    // The handlers ran and the letter is gone: failing the replay now would only invite a
    // second run. What is lost is the profile's record, so say so.
    logger.warn?.(
      { id: letter.id, error: describeError(error, settings.redact) },
      'replayed dead letter ran, but its completion could not be recorded for order-safe replay',
    );
  }
  return handlers.length;
}

/** Why no handler would run a letter, and what the operator can do. */
function noHandlerReason(
  settings: DeliverySettings,
  letter: DeadLetter,
  validated: boolean,
): string {
  if (!validated) {
    return `its payload still does not match the schema of ${letter.event}, so only onAny handlers would run, and there is none. Fix the handler or the library version and replay again (it is re-validated against today's schema), or replay with { ignoreSchemaMismatch: true } to run the ${letter.event} handlers with the payload as it is`;
  }
  return settings.handlers.handlersFor(letter.event, false).length === 0
    ? `this receiver has no handler for ${letter.event} and no onAny handler. If handlers run in another process (a queue worker), replay from a receiver created with delivery: 'queue', consume: false, or from the worker`
    : `no handler for ${letter.event}`;
}

/**
 * A replay a receiver handed to the workers (`consume: false`): run here as
 * `deadLetters.replay` would run it. What cannot run (superseded with `'skip'`, no handler, a
 * handler failing again, already replayed) is logged and told to `onError`; the letter stays,
 * and the job is not retried: a replay is an operator's action, not Passfort's delivery.
 */
export async function replayOnWorker(
  settings: DeliverySettings,
  runner: WebhookRunner,
  queued: QueuedWebhook,
  how: QueuedReplay,
): Promise<void> {
  const { store, logger } = settings;
  const id = queued.webhook.id;
  const letter = await store.getDeadLetter(id);
  if (letter === undefined) {
    logger.info?.({ id }, 'replay handed to the worker: the dead letter is gone already');
    return;
  }
  try {
    const handlers = await replay(settings, runner, letter, how);
    logger.info?.({ id, handlers }, 'dead letter replayed on the worker');
  } catch (error) {
    logger.warn?.(
      { id, error: describeError(error, settings.redact) },
      'dead letter replay on the worker did not run',
    );
    if (HandlerError.is(error)) {
      await runner.notify({
        error,
        event: eventOf(letter),
        context: webhookContext(
          validateEventData(eventOf(letter), 0),
          1,
          letter.attempts + 1,
          new Date(),
          store,
        ),
        deadLettered: false,
      });
    }
  }
}
