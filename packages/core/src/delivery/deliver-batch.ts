import type { PassfortWebhookError } from '../errors/passfort-webhook-error.js';
import { StoreUnavailableError } from '../errors/store-unavailable-error.js';
import { WebhookBusyError } from '../errors/webhook-busy-error.js';
import { type DeliveryScope, NO_SCOPE } from '../observability/instrumentation.js';
import { describeError } from '../observability/logger.js';
import type { BatchItem } from '../receive/validate-envelope.js';
import {
  type BatchClaim,
  claimBatch,
  DUPLICATE_IN_BATCH,
  releaseUnstarted,
} from './claim-batch.js';
import { beforeDeadline, deadlineError, deadlineTimer, LATE, TIMED_OUT } from './deadline.js';
import { type DeliveryOutcome, emptyOutcome } from './delivery-outcome.js';
import type { DeliverySettings } from './delivery-settings.js';
import { endOf, SILENT_REPORT, startReport } from './envelope-report.js';
import { type CompletionGroup, GroupedCompletions } from './grouped-completions.js';
import { type WebhookRunner, webhookContext } from './run-webhook.js';
import type { WebhookResult } from './webhook-result.js';

/**
 * Inline delivery: a request's webhooks run during the request, in order, within its
 * deadline. Handlers still running when the deadline answered Passfort finish in the
 * background; {@link settle} waits for them.
 */
export class InlineDelivery {
  readonly #settings: DeliverySettings;
  readonly #runner: WebhookRunner;
  /** Handlers still running after their request's deadline answered Passfort. */
  readonly #background = new Set<Promise<unknown>>();

  constructor(settings: DeliverySettings, runner: WebhookRunner) {
    this.#settings = settings;
    this.#runner = runner;
  }

  /**
   * Delivers a batch: claims it in one call, runs handlers in order, skips ids already
   * done, and stops at the first failure, busy id or spent deadline. What ran before the
   * stop stays done; the rest is released for Passfort's redelivery.
   */
  async deliver(
    items: readonly BatchItem[],
    deadlineAt: number,
    scope: DeliveryScope = NO_SCOPE,
  ): Promise<DeliveryOutcome> {
    const outcome = emptyOutcome(items.length);
    if (items.length === 0) return outcome;
    const settings = this.#settings;
    let claimed = claimBatch(settings, items, deadlineAt);
    if (claimed instanceof Promise) claimed = await claimed;
    const { claims, error } = claimed;
    if (error !== undefined) {
      this.#runner.notifyDeliveryFailure(error);
      return { ...outcome, error };
    }

    const receivedAt = new Date();
    // The groups of completions, in order; consecutive webhooks usually share one.
    const recorded: CompletionGroup[] = [];
    // Grouped per delivery, never across requests: on Workers, I/O started by one request
    // cannot be continued by another. Once a completion could not be recorded
    // (`completions.failed`), no further handler starts: its effect could not be recorded
    // either, and would run again on redelivery.
    const completions = new GroupedCompletions(settings.store);
    const { status, logger } = settings;
    status.addWaiting(items.length);
    let deadline: ReturnType<typeof deadlineTimer> | undefined;
    // Started with the first handler that returns a promise, like the deadline timer: the
    // claims still held are the current webhook's and those not started yet.
    let stopRenewing: (() => void) | undefined;
    let current = 0;
    try {
      for (let position = 0; position < items.length; position++) {
        current = position;
        const item = items[position]!;
        const claim = claims[position];
        if (claim === DUPLICATE_IN_BATCH || claim?.status === 'done') {
          outcome.duplicates++;
          startReport(logger, scope, item).end({ outcome: 'duplicate' });
          continue;
        }
        // One clock read per webhook: for the deadline, and as its time for status().
        const now = Date.now();
        const stop =
          claim?.status !== 'claimed'
            ? busyError(item)
            : now >= deadlineAt
              ? deadlineError(item)
              : completions.failed
                ? completionsFailedError(item)
                : undefined;
        if (stop !== undefined) {
          outcome.error = stop;
          startReport(logger, scope, item).end({ outcome: 'deferred', errorCode: stop.code });
          await releaseUnstarted(settings, items, position, claims, deadlineAt);
          break;
        }
        const { attempt } = claim as { attempt: number };
        const context = webhookContext(item, items.length, attempt, receivedAt, settings.store);
        const report = startReport(logger, scope, item, context.attempt);
        const running = this.#runner.run(item, context, completions, now);
        let result: WebhookResult;
        if (running instanceof Promise) {
          deadline ??= deadlineTimer(deadlineAt);
          stopRenewing ??= settings.leases.hold(() => heldClaims(items, claims, current));
          const raced = await deadline.race(running);
          if (raced === TIMED_OUT) {
            report.end({ outcome: 'deferred', errorCode: 'DEADLINE_EXCEEDED' });
            // Answer Passfort in time; the handler finishes in the background and its result
            // is recorded, so the redelivery does exactly the remaining work.
            this.#track(running, item.event.id);
            outcome.error = deadlineError(item);
            await releaseUnstarted(settings, items, position + 1, claims, deadlineAt);
            break;
          }
          result = raced;
        } else {
          result = running;
        }
        if (report !== SILENT_REPORT) report.end(endOf(result));
        if (result.kind === 'processed' || result.kind === 'echo') {
          if (result.kind === 'echo') outcome.echoes++;
          else outcome.processed++;
          if (recorded[recorded.length - 1] !== result.recorded) recorded.push(result.recorded);
        } else if (result.kind === 'dead-lettered') {
          outcome.deadLettered++;
        } else {
          outcome.error = result.error;
          await releaseUnstarted(settings, items, position + 1, claims, deadlineAt);
          break;
        }
      }
    } finally {
      deadline?.clear();
      stopRenewing?.();
      status.removeWaiting(items.length);
    }
    // Inline rather than a helper: an extra async call would cost every request a promise.
    let failed: CompletionGroup | undefined;
    let late = false;
    for (const group of recorded) {
      // A store answering synchronously has settled every group already. A write still
      // pending at the deadline goes on; the answer is then a 503 and the redelivery finds
      // the ids done, or runs them again if the write never lands.
      if (!group.settled && !late) {
        late = (await beforeDeadline(group.written(), deadlineAt).catch(() => {})) === LATE;
      }
      if (group.failed) failed ??= group;
    }
    if (late && outcome.error === undefined) {
      this.#settings.logger.error?.({ deadlineAt }, 'dedupe store complete did not answer in time');
      outcome.error = new StoreUnavailableError(
        'Webhooks were handled but the dedupe store did not record it before the response deadline',
      );
    }
    if (failed !== undefined && outcome.error === undefined) {
      this.#settings.logger.error?.(
        { error: describeError(failed.error) },
        'dedupe store complete failed',
      );
      outcome.error = new StoreUnavailableError(
        'Webhooks were handled but the dedupe store could not record it',
        { cause: failed.error },
      );
    }
    if (StoreUnavailableError.is(outcome.error)) this.#runner.notifyDeliveryFailure(outcome.error);
    return outcome;
  }

  /** Resolves when every handler still running after its request's deadline has finished. */
  async settle(): Promise<void> {
    while (this.#background.size > 0) await Promise.allSettled([...this.#background]);
  }

  #track(running: Promise<unknown>, id: string): void {
    // Past the deadline the handler still holds its claim: keep it alive until it finishes.
    const stopRenewing = this.#settings.leases.hold(() => [id]);
    const tracked = running
      .then((result) => (result as { recorded?: CompletionGroup }).recorded?.written())
      .catch(() => {})
      .finally(() => {
        stopRenewing();
        this.#background.delete(tracked);
      });
    this.#background.add(tracked);
  }
}

/** The ids of `items[from..]` this delivery claimed (copies of an id earlier in the batch aside). */
function heldClaims(
  items: readonly BatchItem[],
  claims: readonly BatchClaim[],
  from: number,
): string[] {
  const ids: string[] = [];
  for (let position = from; position < items.length; position++) {
    const claim = claims[position];
    if (claim !== DUPLICATE_IN_BATCH && claim?.status === 'claimed') {
      ids.push(items[position]!.event.id);
    }
  }
  return ids;
}

function busyError(item: BatchItem): PassfortWebhookError {
  const { id } = item.event;
  return new WebhookBusyError(
    `Webhook ${id} at index ${item.index} is being processed by another delivery`,
    { index: item.index, id },
  );
}

function completionsFailedError(item: BatchItem): PassfortWebhookError {
  return new StoreUnavailableError('The dedupe store stopped answering during the batch', {
    index: item.index,
    id: item.event.id,
  });
}
