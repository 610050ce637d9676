import { QueueUnavailableError } from '../../errors/queue-unavailable-error.js';
import { StoreUnavailableError } from '../../errors/store-unavailable-error.js';
import type { BatchItem } from '../../events/validate-event-data.js';
import type { DeliveryScope } from '../../observability/instrumentation.js';
import type { WebhookQueue } from '../../queues/webhook-queue.js';
import type { DeliveryOutcome } from '../delivery-outcome.js';
import type { DeliverySettings } from '../delivery-settings.js';
import { beforeDeadline, LATE } from '../time/deadline.js';
import { enqueueBatch } from './enqueue-batch.js';

/**
 * A receiver's `delivery: 'queue'`: a request's webhooks are handed to the queue durably (see
 * {@link enqueueBatch}), the queue's depth goes to the instrumentation, and `onError` hears
 * when the store or the queue failed the hand-off. Its sibling for `'inline'` is
 * `InlineDelivery`; the engine's `deliver` is one or the other.
 */
export class QueueDelivery {
  readonly #settings: DeliverySettings;
  readonly #queue: WebhookQueue;
  readonly #notify: (error: StoreUnavailableError | QueueUnavailableError) => void;

  constructor(
    settings: DeliverySettings,
    queue: WebhookQueue,
    notify: (error: StoreUnavailableError | QueueUnavailableError) => void,
  ) {
    this.#settings = settings;
    this.#queue = queue;
    this.#notify = notify;
  }

  /** Enqueues a request's webhooks; resolves with the counts and the error that stopped it. */
  async deliver(
    items: readonly BatchItem[],
    deadlineAt: number,
    scope: DeliveryScope,
  ): Promise<DeliveryOutcome> {
    const { store, leaseMs, instrumentation } = this.#settings;
    const queue = this.#queue;
    const outcome = await enqueueBatch(store, leaseMs, queue, items, scope, deadlineAt);
    if (instrumentation?.queueDepth !== undefined) {
      // Reported only if the queue answers in time: a gauge is not worth a late answer.
      const waiting = await beforeDeadline(Promise.resolve(queue.waiting()), deadlineAt).catch(
        (): typeof LATE => LATE,
      );
      if (typeof waiting === 'number') instrumentation.queueDepth(waiting);
    }
    if (StoreUnavailableError.is(outcome.error) || QueueUnavailableError.is(outcome.error)) {
      this.#notify(outcome.error);
    }
    return outcome;
  }
}
