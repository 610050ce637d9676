import { HandlerError } from '../../errors/handler-error.js';
import { validateEventData } from '../../events/validate-event-data.js';
import { describeError } from '../../observability/logger.js';
import type { QueuedReplay, QueuedWebhook } from '../../queues/webhook-queue.js';
import type { DeliverySettings } from '../delivery-settings.js';
import { webhookContext } from '../run/webhook-context.js';
import type { WebhookRunner } from '../run/webhook-runner.js';
import { eventOf, replayDeadLetter } from './replay-dead-letter.js';

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
    const handlers = await replayDeadLetter(settings, runner, letter, how);
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
