import { DeadLetterNotReplayableError } from '../../errors/dead-letter-not-replayable-error.js';
import { DeadLetterSupersededError } from '../../errors/dead-letter-superseded-error.js';
import { HandlerError } from '../../errors/handler-error.js';
import { WebhookBusyError } from '../../errors/webhook-busy-error.js';
import type { AnyPassfortEvent } from '../../events/passfort-event.js';
import { validateEventData } from '../../events/validate-event-data.js';
import { describeError } from '../../observability/logger.js';
import type { QueuedReplay } from '../../queues/webhook-queue.js';
import type { DeadLetter, DedupeStore, ProcessedSince } from '../../stores/dedupe-store.js';
import type { DeliverySettings } from '../delivery-settings.js';
import { completedWebhook, profileIdOf } from '../run/completed-webhook.js';
import { webhookContext } from '../run/webhook-context.js';
import type { WebhookRunner } from '../run/webhook-runner.js';
import type { WebhookContext } from '../webhook-handler.js';

const NOT_SUPERSEDED: ProcessedSince = Object.freeze({ count: 0, webhooks: Object.freeze([]) });

/**
 * The letter's profile. Letters set aside before dead letters carried `profileId` (or kept by a
 * store that does not store it) still name theirs in the webhook itself.
 */
function profileOf(letter: DeadLetter): string | undefined {
  return letter.profileId ?? profileIdOf(letter.webhook as unknown as AnyPassfortEvent);
}

/** The webhooks for the letter's profile processed since it was set aside (not itself). */
export async function supersession(
  store: DedupeStore,
  letter: DeadLetter,
): Promise<ProcessedSince> {
  const profileId = profileOf(letter);
  if (profileId === undefined || store.processedSince === undefined) return NOT_SUPERSEDED;
  return store.processedSince(profileId, letter.failedAt, { excluding: letter.id });
}

/** The webhook a dead letter keeps, as it was received. */
export function eventOf(letter: DeadLetter): AnyPassfortEvent {
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
export async function replayDeadLetter(
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
