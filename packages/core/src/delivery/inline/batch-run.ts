import { StoreUnavailableError } from '../../errors/store-unavailable-error.js';
import type { BatchItem } from '../../events/validate-event-data.js';
import { type DeliveryScope, NO_SCOPE } from '../../observability/instrumentation.js';
import { describeError } from '../../observability/logger.js';
import { type DeliveryOutcome, emptyOutcome } from '../delivery-outcome.js';
import type { DeliverySettings } from '../delivery-settings.js';
import { type CompletionGroup, GroupedCompletions } from '../grouped-completions.js';
import { endOf, SILENT_REPORT, startReport } from '../run/envelope-report.js';
import type { WebhookResult } from '../run/webhook-result.js';
import { needsAwaitingFirst, type WebhookRunner, webhookContext } from '../run-webhook.js';
import { beforeDeadline, deadlineError, LATE } from '../time/deadline.js';
import { type DeadlineWatch, deadlineClock } from '../time/deadline-clock.js';
import type { LeaseHold } from '../time/lease-keeper.js';
import { busyError, completionsFailedError } from './batch-stop-errors.js';
import {
  type BatchClaim,
  claimBatch,
  DUPLICATE_IN_BATCH,
  heldClaims,
  releaseUnstarted,
} from './claim-batch.js';

/**
 * The id of the webhook that runs after `position` if it succeeds: the next one claimed, past
 * ids already done and copies; none when a busy one comes first (the batch stops there).
 */
function nextToRun(
  items: readonly BatchItem[],
  claims: readonly BatchClaim[],
  position: number,
): string | undefined {
  for (let next = position + 1; next < items.length; next++) {
    const claim = claims[next];
    if (claim === DUPLICATE_IN_BATCH || claim?.status === 'done') continue;
    return claim?.status === 'claimed' ? items[next]!.event.id : undefined;
  }
  return undefined;
}

/**
 * The runtime's hold on one request's work that outlives its answer: on Cloudflare Workers, the
 * request's `ExecutionContext` (or a `waitUntil` passed to `handle()`), without which that
 * work is cancelled once the response is sent. Called as a method.
 */
export interface BackgroundHost {
  readonly waitUntil?: ((promise: Promise<unknown>) => void) | undefined;
}

/** Where a {@link BatchRun} sends its answer, and keeps itself if it outlives it. */
export interface BatchRunAnswer {
  resolve(outcome: DeliveryOutcome): void;
  reject(error: unknown): void;
  /** Runs still going after their deadline answered Passfort. */
  readonly background: Set<Promise<unknown>>;
  /** Where work that outlives the answer is handed, when the runtime needs it. */
  readonly runtime?: BackgroundHost | undefined;
}

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
    const receivedAt = new Date();
    // The groups of completions, in order; consecutive webhooks usually share one.
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
    status.addWaiting(items.length);
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
        const now = Date.now();
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
          await releaseUnstarted(settings, items, position, claims, deadlineAt);
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
                ? runner.runHandlers(item, context)
                : report.run(() => runner.runHandlers(item, context));
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
          if (recorded[recorded.length - 1] !== result.recorded) recorded.push(result.recorded);
        } else if (result.kind === 'dead-lettered') {
          outcome.deadLettered++;
          carried = undefined; // no completion write carried the next one's start
        } else {
          outcome.error = result.error;
          this.#deferFrom(position + 1, result.error.code);
          await releaseUnstarted(settings, items, position + 1, claims, deadlineAt);
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
      await this.#awaitCompletions(recorded);
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

  /**
   * Reports the webhooks from `position` on that this run claimed and will not start as
   * deferred, with why: each is released for the redelivery, and counted once as such.
   */
  #deferFrom(position: number, errorCode: string): void {
    const { logger } = this.#settings;
    if (this.#scope === NO_SCOPE && logger.debug === undefined) return;
    for (let at = position; at < this.#items.length; at++) {
      const claim = this.#claims[at];
      if (claim === DUPLICATE_IN_BATCH || claim?.status !== 'claimed') continue;
      startReport(logger, this.#scope, this.#items[at]!).end({ outcome: 'deferred', errorCode });
    }
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
    const released = releaseUnstarted(
      this.#settings,
      this.#items,
      this.#current + 1,
      this.#claims,
      this.#deadlineAt,
    );
    const loop = this.#loop;
    if (loop !== undefined) {
      const { background } = this.#answer;
      background.add(loop);
      void loop.finally(() => background.delete(loop));
    }
    // On Workers both would be cancelled with the response: the handler, and every redelivery's.
    this.#answer.runtime?.waitUntil?.(Promise.allSettled([loop, released]));
  }

  /**
   * Waits for the completion writes still in flight, not past the deadline, and turns a write
   * that failed or came too late into the answer's error.
   */
  async #awaitCompletions(recorded: readonly CompletionGroup[]): Promise<void> {
    const outcome = this.#outcome;
    const { logger } = this.#settings;
    let failed: CompletionGroup | undefined;
    let late = false;
    for (const group of recorded) {
      // A write still pending at the deadline goes on; the answer is then a 503 and the
      // redelivery finds the ids done, or runs them again if the write never lands.
      if (!group.settled && !late) {
        late = (await beforeDeadline(group.written(), this.#deadlineAt).catch(() => {})) === LATE;
        // The write goes on after the answer: on Workers only under waitUntil.
        if (late) this.#answer.runtime?.waitUntil?.(group.written().catch(() => {}));
      }
      if (group.failed) failed ??= group;
    }
    if (late && outcome.error === undefined) {
      logger.error?.(
        { deadlineAt: this.#deadlineAt },
        'dedupe store complete did not answer in time',
      );
      outcome.error = new StoreUnavailableError(
        'Webhooks were handled but the dedupe store did not record it before the response deadline',
      );
    }
    if (failed !== undefined && outcome.error === undefined) {
      logger.error?.({ error: describeError(failed.error) }, 'dedupe store complete failed');
      outcome.error = new StoreUnavailableError(
        'Webhooks were handled but the dedupe store could not record it',
        { cause: failed.error },
      );
    }
  }
}
