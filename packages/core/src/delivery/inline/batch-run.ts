import { StoreUnavailableError } from '../../errors/store-unavailable-error.js';
import type { BatchItem } from '../../events/validate-event-data.js';
import type { DeliveryScope } from '../../observability/instrumentation.js';
import { describeError } from '../../observability/logger.js';
import {
  type BatchClaim,
  claimBatch,
  DUPLICATE_IN_BATCH,
  heldClaims,
  nextToRun,
  releaseUnstarted,
} from '../claims/claim-batch.js';
import type { CompletionGroup } from '../claims/completion-group.js';
import { GroupedCompletions } from '../claims/grouped-completions.js';
import { type DeliveryOutcome, emptyOutcome } from '../delivery-outcome.js';
import type { DeliverySettings } from '../delivery-settings.js';
import { endOf, SILENT_REPORT, startReport } from '../run/envelope-report.js';
import { webhookContext } from '../run/webhook-context.js';
import type { WebhookResult } from '../run/webhook-result.js';
import { needsAwaitingFirst, type WebhookRunner } from '../run/webhook-runner.js';
import { deadlineError } from '../time/deadline.js';
import { type DeadlineWatch, deadlineClock } from '../time/deadline-clock.js';
import type { LeaseHold } from '../time/lease-keeper.js';
import { awaitCompletions } from './await-completions.js';
import { type BatchRunAnswer, keepInBackground } from './batch-run-answer.js';
import { busyError, completionsFailedError } from './batch-stop-errors.js';
import { reportDeferred } from './report-deferred.js';

/**
 * One request's inline delivery: claims its webhooks in one call, runs handlers in order,
 * skips ids already done, and stops at the first failure, busy id or spent deadline. What ran
 * before the stop stays done; the rest is released for Passfort's redelivery.
 *
 * The loop awaits each handler's own promise, as a hand-written route does; the deadline
 * does not race every handler. Instead one watch of the shared clock answers the request
 * when it passes while a handler runs: that handler finishes in the background, its result
 * is recorded, nothing after it starts, so the redelivery does exactly the remaining work.
 * (A race per webhook cost a promise and two microtask hops per webhook, a visible part of a
 * batch of 100.)
 */
export class BatchRun {
  readonly #settings: DeliverySettings;
  readonly #runner: WebhookRunner;
  readonly #items: readonly BatchItem[];
  readonly #deadlineAt: number;
  readonly #scope: DeliveryScope;
  readonly #answer: BatchRunAnswer;
  readonly #outcome: DeliveryOutcome;
  #claims: readonly BatchClaim[] = [];
  #answered = false;
  /** The webhook being run, and its report. */
  #current = 0;
  /** True while the loop waits for a handler (or its failure's bookkeeping). */
  #inHandler = false;
  // Made with the first handler that returns a promise: synchronous ones cannot be interrupted.
  #watch: DeadlineWatch | undefined;
  #lease: LeaseHold | undefined;
  #loop: Promise<void> | undefined;
  #completions: GroupedCompletions | undefined;
  /** The last webhook whose handlers were started, -1 before the first. */
  #lastStarted = -1;

  constructor(
    settings: DeliverySettings,
    runner: WebhookRunner,
    items: readonly BatchItem[],
    deadlineAt: number,
    scope: DeliveryScope,
    answer: BatchRunAnswer,
  ) {
    this.#settings = settings;
    this.#runner = runner;
    this.#items = items;
    this.#deadlineAt = deadlineAt;
    this.#scope = scope;
    this.#answer = answer;
    this.#outcome = emptyOutcome(items.length);
  }

  start(): void {
    this.#loop = this.#run().then(undefined, (error: unknown) => {
      if (!this.#answered) {
        this.#answered = true;
        this.#answer.reject(error);
      } else {
        this.#settings.logger.error?.({ error: describeError(error) }, 'webhook delivery failed');
      }
    });
  }

  #answerWith(outcome: DeliveryOutcome): void {
    if (this.#answered) return;
    this.#answered = true;
    this.#answer.resolve(outcome);
  }

  async #run(): Promise<void> {
    const settings = this.#settings;
    const runner = this.#runner;
    const items = this.#items;
    const deadlineAt = this.#deadlineAt;
    const outcome = this.#outcome;
    let claimed = claimBatch(settings, items, deadlineAt);
    if (claimed instanceof Promise) claimed = await claimed;
    if (claimed.error !== undefined) {
      runner.notifyDeliveryFailure(claimed.error);
      outcome.error = claimed.error;
      this.#answerWith(outcome);
      return;
    }
    const claims = claimed.claims;
    this.#claims = claims;
    // One clock read for the batch's time and its first webhook's: nothing ran in between.
    const claimedAt = Date.now();
    const receivedAt = new Date(claimedAt);
    let clockRead = true;
    // The groups of completions not settled when their webhook ended (or failed), in order;
    // consecutive webhooks usually share one.
    const recorded: CompletionGroup[] = [];
    // Grouped per delivery, never across requests: on Workers, I/O started by one request
    // cannot be continued by another. Once a completion could not be recorded
    // (`completions.failed`), no further handler starts: its effect could not be recorded
    // either, and would run again on redelivery.
    const completions = new GroupedCompletions(settings.store, settings, (id) => this.#started(id));
    this.#completions = completions;
    completions.countedByClaim(items[0]!.event.id);
    const { status, logger, redact } = settings;
    // The id whose start the last completion write carries (see GroupedCompletions.next); the
    // claim itself counted the batch's first id.
    let carried: string | undefined = items[0]!.event.id;
    const scope = this.#scope;
    status.addWaiting(items.length, claimedAt);
    try {
      for (let position = 0; position < items.length; position++) {
        this.#current = position;
        const item = items[position]!;
        const claim = claims[position];
        if (claim === DUPLICATE_IN_BATCH || claim?.status === 'done') {
          outcome.duplicates++;
          startReport(logger, scope, item).end({ outcome: 'duplicate' });
          continue;
        }
        // One clock read per webhook: for the deadline, and as its time for status().
        const now = clockRead ? claimedAt : Date.now();
        clockRead = false;
        const stop =
          claim?.status !== 'claimed' || completions.lost
            ? busyError(item)
            : now >= deadlineAt
              ? deadlineError(item)
              : completions.failed
                ? completionsFailedError(item)
                : undefined;
        if (stop !== undefined) {
          outcome.error = stop;
          startReport(logger, scope, item).end({ outcome: 'deferred', errorCode: stop.code });
          this.#deferFrom(position + 1, stop.code);
          await this.#releaseFrom(position);
          break;
        }
        // Counted before its handlers can crash the process: by the claim (the batch's first
        // id), by the completion write of the webhook before it, or else by a write of its own
        // (the first to run after ids already done, or after a dead letter).
        this.#lastStarted = position;
        if (carried !== item.event.id) completions.start(item.event.id);
        completions.next = nextToRun(items, claims, position);
        carried = completions.next;
        const { attempt } = claim as { attempt: number };
        const context = webhookContext(
          item,
          items.length,
          attempt,
          receivedAt,
          settings.store,
          settings.owner,
        );
        const report = startReport(logger, scope, item, context.attempt);
        let result: WebhookResult;
        if (needsAwaitingFirst(item)) {
          this.#willWait();
          result = await report.run(() => runner.runAwaitingFirst(item, context, completions));
        } else {
          try {
            // With the webhook's span active (when instrumented), so the handler's own spans
            // nest under it; as it is otherwise.
            const pending =
              report === SILENT_REPORT
                ? runner.runHandlers(item, context, now)
                : report.run(() => runner.runHandlers(item, context, now));
            if (pending === undefined) {
              // Handlers that returned at once finished when they started, for status().
              result = runner.processed(item, completions, now);
            } else {
              this.#willWait();
              await pending;
              result = runner.processed(item, completions);
            }
          } catch (cause) {
            this.#willWait();
            result = await report.run(() => runner.fail(item, context, cause));
          }
        }
        this.#inHandler = false;
        if (this.#answered) {
          // The deadline answered while this webhook ran: its result is recorded (wait for the
          // write, so close() does too), reported as its final word, and nothing after it starts.
          const written = (result as { recorded?: CompletionGroup }).recorded;
          if (written !== undefined && !written.settled) await written.written().catch(() => {});
          if (report !== SILENT_REPORT) report.end({ ...endOf(result, redact), late: true });
          return;
        }
        if (report !== SILENT_REPORT) report.end(endOf(result, redact));
        if (result.kind === 'processed' || result.kind === 'echo') {
          if (result.kind === 'echo') outcome.echoes++;
          else outcome.processed++;
          // Only a write in flight or failed matters once the loop ends (awaitCompletions):
          // a synchronous store's groups are settled already, and no list is made for them.
          const group = result.recorded;
          if ((!group.settled || group.failed) && recorded[recorded.length - 1] !== group) {
            recorded.push(group);
          }
        } else if (result.kind === 'dead-lettered') {
          outcome.deadLettered++;
          carried = undefined; // no completion write carried the next one's start
        } else {
          outcome.error = result.error;
          this.#deferFrom(position + 1, result.error.code);
          await this.#releaseFrom(position + 1);
          break;
        }
      }
    } finally {
      this.#inHandler = false;
      this.#watch?.settle();
      this.#lease?.release();
      status.removeWaiting(items.length);
    }
    if (this.#answered) return;
    // A store answering synchronously (the memory store) has settled every group already.
    if (recorded.some((group) => !group.settled || group.failed)) {
      await awaitCompletions(recorded, deadlineAt, outcome, logger, this.#answer.runtime);
    }
    // A completion the store refused belongs to the delivery that took the claim over: this
    // one cannot vouch for it, so it does not answer 200 either.
    const refused = completions.refused[0];
    if (refused !== undefined && outcome.error === undefined) {
      outcome.error = busyError(items.find((item) => item.event.id === refused) ?? items[0]!);
    }
    if (StoreUnavailableError.is(outcome.error)) runner.notifyDeliveryFailure(outcome.error);
    this.#answerWith(outcome);
  }

  /** Reports the claimed webhooks from `position` on as deferred (see `reportDeferred`). */
  #deferFrom(position: number, errorCode: string): void {
    reportDeferred(
      this.#settings.logger,
      this.#scope,
      this.#items,
      this.#claims,
      position,
      errorCode,
    );
  }

  /** Gives back the claims of the webhooks from `position` on (see `releaseUnstarted`). */
  #releaseFrom(position: number): Promise<void> {
    return releaseUnstarted(this.#settings, this.#items, position, this.#claims, this.#deadlineAt);
  }

  /** Whether the handlers of webhook `id` have started (asked when a write failed). */
  #started(id: string): boolean {
    const position = this.#items.findIndex((item) => item.event.id === id);
    return position >= 0 && position <= this.#lastStarted;
  }

  /** About to wait for a handler: the deadline may now answer, and the claims are renewed. */
  #willWait(): void {
    this.#inHandler = true;
    this.#watch ??= deadlineClock.watch(this.#deadlineAt, () => this.#expire());
    if (this.#lease === undefined) {
      const held = () => heldClaims(this.#items, this.#claims, this.#current);
      // A runtime that needs waitUntil also drops a request's timers with it: see holdForRequest.
      this.#lease =
        this.#answer.runtime?.waitUntil === undefined
          ? this.#settings.leases.hold(held)
          : this.#settings.leases.holdForRequest(held);
    }
  }

  /**
   * The deadline passed while a handler ran: answer Passfort in time with what is done, and
   * give back the claims of webhooks that will not start. The handler goes on in the
   * background (see the loop), kept for `settle()`.
   */
  #expire(): void {
    if (!this.#inHandler || this.#answered) return;
    const item = this.#items[this.#current]!;
    // Nothing after the running webhook starts: its completion must not count one. Its report
    // stays open: the loop ends it with what the webhook finally comes to (late).
    if (this.#completions !== undefined) this.#completions.next = undefined;
    // A copy: the loop still records the running webhook's result after this answer.
    this.#answerWith({ ...this.#outcome, error: deadlineError(item) });
    this.#deferFrom(this.#current + 1, 'DEADLINE_EXCEEDED');
    const released = this.#releaseFrom(this.#current + 1);
    keepInBackground(this.#answer, this.#loop, released);
  }
}
