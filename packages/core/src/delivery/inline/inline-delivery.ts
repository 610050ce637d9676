import type { BatchItem } from '../../events/validate-event-data.js';
import { type DeliveryScope, NO_SCOPE } from '../../observability/instrumentation.js';
import { type DeliveryOutcome, emptyOutcome } from '../delivery-outcome.js';
import type { DeliverySettings } from '../delivery-settings.js';
import type { WebhookRunner } from '../run/webhook-runner.js';
import { BatchRun } from './batch-run.js';
import type { BackgroundHost } from './batch-run-answer.js';

/**
 * Inline delivery: a request's webhooks run during the request, in order, within its
 * deadline (see {@link BatchRun}). Handlers still running when the deadline answered
 * Passfort finish in the background; {@link settle} waits for them.
 */
export class InlineDelivery {
  readonly #settings: DeliverySettings;
  readonly #runner: WebhookRunner;
  /** Runs still going after their request's deadline answered Passfort. */
  readonly #background = new Set<Promise<unknown>>();

  constructor(settings: DeliverySettings, runner: WebhookRunner) {
    this.#settings = settings;
    this.#runner = runner;
  }

  /**
   * Delivers a batch: claims it in one call, runs handlers in order, skips ids already
   * done, and stops at the first failure, busy id or spent deadline. Resolves with the
   * counts and the error that stopped it, by the deadline at the latest.
   */
  deliver(
    items: readonly BatchItem[],
    deadlineAt: number,
    scope: DeliveryScope = NO_SCOPE,
    runtime?: BackgroundHost,
  ): Promise<DeliveryOutcome> {
    if (items.length === 0) return Promise.resolve(emptyOutcome(0));
    return new Promise((resolve, reject) => {
      new BatchRun(this.#settings, this.#runner, items, deadlineAt, scope, {
        resolve,
        reject,
        background: this.#background,
        runtime,
      }).start();
    });
  }

  /** Resolves when every handler still running after its request's deadline has finished. */
  async settle(): Promise<void> {
    while (this.#background.size > 0) await Promise.allSettled([...this.#background]);
  }
}
