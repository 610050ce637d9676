import type { ClaimOutcome, DeadLetter, DedupeStore } from './dedupe-store.js';
import {
  HandlerError,
  type PassfortWebhookError,
  type SchemaMismatchError,
  StoreError,
} from './errors.js';
import type { AnyPassfortEvent } from './events/passfort-event.js';
import { type CompletionGroup, GroupedCompletions } from './grouped-completions.js';
import {
  type DeliveryScope,
  type EnvelopeEnd,
  NO_SCOPE,
  type WebhookInstrumentation,
} from './instrumentation.js';
import { isThenable } from './is-thenable.js';
import { describeError, type Logger } from './logger.js';
import { diffCollectedData } from './sync/diff-collected-data.js';
import type { LoopGuard } from './sync/loop-guard.js';
import { type BatchItem, type EventValidation, validateEventData } from './validate-envelope.js';
import type {
  AnyWebhookHandler,
  HandlerRegistry,
  WebhookContext,
  WebhookFailure,
} from './webhook-handlers.js';
import type { QueuedWebhook } from './webhook-queue.js';
import type { StatusTracker } from './webhook-status.js';

/** What to do with a documented event whose payload no longer matches its schema. */
export type SchemaMismatchPolicy = 'dead-letter' | 'deliver';

export interface ProcessorOptions {
  readonly store: DedupeStore;
  readonly handlers: HandlerRegistry;
  readonly logger: Logger;
  readonly status: StatusTracker;
  readonly leaseMs: number;
  readonly maxAttempts: number;
  readonly onSchemaMismatch: SchemaMismatchPolicy;
  /** Wait before a queue worker retries a failed webhook; doubles per attempt. */
  readonly retryDelayMs: number;
  readonly loopGuard: LoopGuard | undefined;
  readonly deliverEchoes: boolean;
  readonly instrumentation: WebhookInstrumentation | undefined;
}

/** One webhook's part in a delivery, reported to the instrumentation and the logger. */
interface EnvelopeReport {
  end(result: EnvelopeEnd): void;
}

/** Counts of one delivery, and the error that stopped it, if any. */
export interface DeliveryOutcome {
  received: number;
  processed: number;
  duplicates: number;
  deadLettered: number;
  echoes: number;
  error?: PassfortWebhookError;
}

type ItemResult =
  | { readonly kind: 'processed'; readonly recorded: CompletionGroup }
  | { readonly kind: 'dead-lettered' }
  | { readonly kind: 'echo'; readonly recorded: CompletionGroup }
  | { readonly kind: 'failed'; readonly error: PassfortWebhookError };

const TIMED_OUT = Symbol('timed out');

/** The claim slot of a later copy of an id that appears earlier in the same batch. */
const DUPLICATE_IN_BATCH = Symbol('duplicate in batch');
type BatchClaim = ClaimOutcome | typeof DUPLICATE_IN_BATCH | undefined;

/** Each webhook's claim, aligned with the batch, or the error that prevented claiming. */
interface BatchClaims {
  readonly claims: readonly BatchClaim[];
  readonly error: StoreError | undefined;
}

const SILENT_REPORT: EnvelopeReport = { end() {} };

function endOf(result: ItemResult): EnvelopeEnd {
  if (result.kind === 'failed') return { outcome: 'failed', errorCode: result.error.code };
  if (result.kind === 'dead-lettered') return { outcome: 'dead-lettered' };
  return { outcome: result.kind };
}

function mismatchOf(item: EventValidation): SchemaMismatchError | undefined {
  return item.validated ? undefined : item.mismatch;
}

/**
 * Runs webhooks' handlers with the exactly-once rules, for inline delivery (a whole batch
 * within a deadline) and for queue workers (one webhook, retried in place).
 */
export class WebhookProcessor {
  readonly #options: ProcessorOptions;
  /** Handlers still running after their request's deadline answered Passfort. */
  readonly #background = new Set<Promise<unknown>>();

  constructor(options: ProcessorOptions) {
    this.#options = options;
  }

  /**
   * Delivers a batch inline: claims it in one call, runs handlers in order, skips ids
   * already done, and stops at the first failure, busy id or spent deadline. What ran
   * before the stop stays done; the rest is released for Passfort's redelivery.
   */
  async deliverBatch(
    items: readonly BatchItem[],
    deadlineAt: number,
    scope: DeliveryScope = NO_SCOPE,
  ): Promise<DeliveryOutcome> {
    const outcome: DeliveryOutcome = {
      received: items.length,
      processed: 0,
      duplicates: 0,
      deadLettered: 0,
      echoes: 0,
    };
    if (items.length === 0) return outcome;
    let claimed = this.#claimBatch(items);
    if (claimed instanceof Promise) claimed = await claimed;
    const { claims, error } = claimed;
    if (error !== undefined) return { ...outcome, error };

    const receivedAt = new Date();
    // The groups of completions, in order; consecutive webhooks usually share one.
    const recorded: CompletionGroup[] = [];
    // Grouped per delivery, never across requests: on Workers, I/O started by one request
    // cannot be continued by another. Once a completion could not be recorded
    // (`completions.failed`), no further handler starts: its effect could not be recorded
    // either, and would run again on redelivery.
    const completions = new GroupedCompletions(this.#options.store);
    const { status } = this.#options;
    status.addWaiting(items.length);
    // One timer for the whole batch, raced by each handler that returns a promise; made
    // only then, since synchronous handlers cannot be interrupted anyway.
    let deadline: ReturnType<typeof deadlineTimer> | undefined;
    try {
      for (let position = 0; position < items.length; position++) {
        const item = items[position]!;
        const claim = claims[position];
        if (claim === DUPLICATE_IN_BATCH || claim?.status === 'done') {
          outcome.duplicates++;
          this.#report(scope, item).end({ outcome: 'duplicate' });
          continue;
        }
        const { id } = item.event;
        // One clock read per webhook: for the deadline, and as its time for status().
        const now = Date.now();
        let stop: PassfortWebhookError | undefined;
        if (claim?.status !== 'claimed') {
          stop = new StoreError(
            'IN_PROGRESS',
            `Webhook ${id} at index ${item.index} is being processed by another delivery`,
            { index: item.index, id },
          );
        } else if (now >= deadlineAt) {
          stop = this.#deadlineError(item);
        } else if (completions.failed) {
          stop = new StoreError(
            'STORE_UNAVAILABLE',
            'The dedupe store stopped answering during the batch',
            {
              index: item.index,
              id,
            },
          );
        }
        if (stop !== undefined) {
          outcome.error = stop;
          this.#report(scope, item).end({ outcome: 'deferred', errorCode: stop.code });
          await this.#releaseUnstarted(items, position, claims);
          break;
        }
        const context = this.#context(
          item,
          items.length,
          (claim as { attempt: number }).attempt,
          receivedAt,
        );
        const report = this.#report(scope, item, context.attempt);
        const running = this.#runItem(item, context, completions, now);
        let result: ItemResult;
        if (running instanceof Promise) {
          deadline ??= deadlineTimer(deadlineAt);
          const raced = await Promise.race([running, deadline.reached]);
          if (raced === TIMED_OUT) {
            report.end({ outcome: 'deferred', errorCode: 'DEADLINE_EXCEEDED' });
            // Answer Passfort in time; the handler finishes in the background and its result
            // is recorded, so the redelivery does exactly the remaining work.
            this.#track(running);
            outcome.error = this.#deadlineError(item);
            await this.#releaseUnstarted(items, position + 1, claims);
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
          await this.#releaseUnstarted(items, position + 1, claims);
          break;
        }
      }
    } finally {
      deadline?.clear();
      status.removeWaiting(items.length);
    }
    let failed: CompletionGroup | undefined;
    for (const group of recorded) {
      // A store answering synchronously has settled every group already.
      if (!group.settled) await group.written().catch(() => {});
      if (group.failed) failed ??= group;
    }
    if (failed !== undefined && outcome.error === undefined) {
      this.#options.logger.error?.(
        { error: describeError(failed.error) },
        'dedupe store complete failed',
      );
      outcome.error = new StoreError(
        'STORE_UNAVAILABLE',
        'Webhooks were handled but the dedupe store could not record it',
        { cause: failed.error },
      );
    }
    return outcome;
  }

  /**
   * Handles one queued webhook with the same rules: skipped if done, retried in place with
   * backoff (so later webhooks wait and order holds) until it succeeds or is dead-lettered.
   * Rejects only when the store is unreachable, for the queue to retry it.
   */
  async processQueued(queued: QueuedWebhook): Promise<void> {
    const item = validateEventData(queued.webhook, queued.index);
    const { store, leaseMs, retryDelayMs } = this.#options;
    for (;;) {
      const [claim] = await store.claim([item.event.id], { leaseMs });
      if (claim === undefined || claim.status === 'done') return;
      if (claim.status === 'busy') {
        await sleep(Math.min(leaseMs, retryDelayMs));
        continue;
      }
      const context = this.#context(
        item,
        queued.batchSize,
        claim.attempt,
        new Date(queued.receivedAt),
      );
      const started = Date.now();
      const scope = this.#options.instrumentation?.delivery('worker') ?? NO_SCOPE;
      const report = this.#report(scope, item, claim.attempt);
      const result = await this.#runItem(item, context, new GroupedCompletions(store));
      report.end(endOf(result));
      scope.end({
        durationMs: Date.now() - started,
        counts: {
          received: 1,
          processed: result.kind === 'processed' ? 1 : 0,
          duplicates: 0,
          deadLettered: result.kind === 'dead-lettered' ? 1 : 0,
          echoes: result.kind === 'echo' ? 1 : 0,
        },
        ...(result.kind === 'failed' ? { errorCode: result.error.code } : {}),
      });
      if (result.kind === 'processed' || result.kind === 'echo') return result.recorded.written();
      if (result.kind === 'dead-lettered') return;
      if (result.error.code === 'STORE_UNAVAILABLE') throw result.error;
      await sleep(retryDelayMs * 2 ** Math.min(claim.attempt - 1, 10));
    }
  }

  /** Runs a dead letter's handlers now; on success it is removed from the dead letters. */
  async replay(letter: DeadLetter): Promise<void> {
    const event = letter.webhook as unknown as AnyPassfortEvent;
    const validation = validateEventData(event, 0);
    const context: WebhookContext = {
      id: letter.id,
      index: 0,
      batchSize: 1,
      attempt: letter.attempts + 1,
      receivedAt: new Date(),
      validated: validation.validated,
    };
    try {
      await this.#runHandlers(validation, context);
    } catch (cause) {
      throw new HandlerError(event.event, { cause, index: 0, id: letter.id });
    }
    this.#options.status.recordProcessed();
    await this.#options.store.deleteDeadLetter(letter.id);
  }

  /** Resolves when every handler still running after its request's deadline has finished. */
  async settle(): Promise<void> {
    while (this.#background.size > 0) await Promise.allSettled([...this.#background]);
  }

  /**
   * Starts a webhook's report: its span (when instrumented) and its log line at the end
   * (when the logger has a debug level). Costs nothing when neither is configured.
   */
  #report(scope: DeliveryScope, item: BatchItem, attempt?: number): EnvelopeReport {
    const { logger } = this.#options;
    if (scope === NO_SCOPE && logger.debug === undefined) return SILENT_REPORT;
    const info = {
      id: item.event.id,
      event: item.event.event,
      index: item.index,
      ...(attempt === undefined ? {} : { attempt }),
    };
    const span = scope.envelope(info);
    return {
      end(result) {
        span.end(result);
        const errorCode = result.errorCode === undefined ? {} : { errorCode: result.errorCode };
        logger.debug?.(
          { outcome: result.outcome, ...info, ...errorCode },
          `webhook ${result.outcome}`,
        );
      },
    };
  }

  /**
   * Claims a batch's ids in one store call. The result is aligned with `items`: each
   * webhook's claim, or DUPLICATE_IN_BATCH for a later copy of an id the batch already holds.
   */
  #claimBatch(items: readonly BatchItem[]): BatchClaims | Promise<BatchClaims> {
    const ids: string[] = [];
    const slots: number[] = new Array(items.length);
    if (items.length === 1) {
      // A single webhook (Passfort's batching off) has no copies to look for.
      ids.push(items[0]!.event.id);
      slots[0] = 0;
    } else {
      const seen = new Set<string>();
      for (let position = 0; position < items.length; position++) {
        const { id } = items[position]!.event;
        if (seen.has(id)) {
          slots[position] = -1;
        } else {
          seen.add(id);
          slots[position] = ids.push(id) - 1;
        }
      }
    }
    const unavailable = (cause: unknown): BatchClaims => {
      this.#options.logger.error?.({ error: describeError(cause) }, 'dedupe store claim failed');
      const error = new StoreError('STORE_UNAVAILABLE', 'Dedupe store is unavailable', { cause });
      return { claims: [], error };
    };
    const aligned = (outcomes: readonly ClaimOutcome[]): BatchClaims => {
      const claims: BatchClaim[] = new Array(items.length);
      for (let position = 0; position < items.length; position++) {
        const slot = slots[position]!;
        claims[position] = slot < 0 ? DUPLICATE_IN_BATCH : outcomes[slot];
      }
      return { claims, error: undefined };
    };
    try {
      const outcomes = this.#options.store.claim(ids, { leaseMs: this.#options.leaseMs });
      // A store answering synchronously (the memory store) costs no microtask.
      return isThenable(outcomes)
        ? Promise.resolve(outcomes).then(aligned, unavailable)
        : aligned(outcomes);
    } catch (cause) {
      return unavailable(cause);
    }
  }

  #context(item: BatchItem, batchSize: number, attempt: number, receivedAt: Date): WebhookContext {
    return {
      id: item.event.id,
      index: item.index,
      batchSize,
      attempt,
      receivedAt,
      validated: item.validated,
    };
  }

  /** Adds `changes`, `diffAgainst` and `isEcho` for a validated collected-data event. */
  async #collectedDataContext(item: BatchItem, context: WebhookContext): Promise<WebhookContext> {
    const { event } = item;
    const collected =
      event.event === 'COLLECTED_DATA_CHANGED' || event.event === 'COLLECTED_DATA_UPDATED';
    if (!item.validated || !collected) return context;
    const data = event.data as {
      profile_id: string;
      old_data: unknown;
      new_data: unknown;
      user?: unknown;
    };
    const { loopGuard } = this.#options;
    const diffOptions = loopGuard?.diffOptions ?? {};
    let isEcho = false;
    try {
      isEcho = loopGuard === undefined ? false : await loopGuard.isEcho(data);
    } catch (error) {
      // Without the guard's store the webhook is treated as a real change: handlers that
      // compare with their own data (ctx.diffAgainst) still find nothing to do for an echo.
      this.#options.logger.warn?.({ error: describeError(error) }, 'loop guard unavailable');
    }
    let changes: ReturnType<typeof diffCollectedData> | undefined;
    return {
      ...context,
      isEcho,
      get changes() {
        changes ??= diffCollectedData(data.old_data, data.new_data, diffOptions);
        return changes;
      },
      diffAgainst: (systemData: unknown) =>
        diffCollectedData(systemData, data.new_data, diffOptions),
    } as WebhookContext;
  }

  #deadlineError(item: BatchItem): StoreError {
    return new StoreError(
      'DEADLINE_EXCEEDED',
      `The response deadline was reached at index ${item.index}; the rest is left for Passfort's redelivery`,
      { index: item.index, id: item.event.id },
    );
  }

  #track(running: Promise<unknown>): void {
    const tracked = running
      .then((result) => (result as { recorded?: CompletionGroup }).recorded?.written())
      .catch(() => {})
      .finally(() => this.#background.delete(tracked));
    this.#background.add(tracked);
  }

  /**
   * Runs one claimed webhook and records its result. Never rejects. Synchronous handlers
   * are called without awaiting them, so a batch of them runs without a microtask between
   * webhooks; the first handler that returns a promise switches to awaiting.
   */
  #runItem(
    item: BatchItem,
    context: WebhookContext,
    completions: GroupedCompletions,
    startedAt?: number,
  ): ItemResult | Promise<ItemResult> {
    if (!item.validated || isCollectedDataEvent(item.event.event)) {
      return this.#runItemAsync(item, context, completions);
    }
    let pending: Promise<void> | undefined;
    try {
      pending = this.#runHandlers(item, context);
    } catch (cause) {
      return this.#fail(item, context, cause);
    }
    // Handlers that returned at once finished when they started, as far as status() can tell.
    if (pending === undefined) return this.#processed(item, completions, startedAt);
    return pending.then(
      () => this.#processed(item, completions),
      (cause: unknown) => this.#fail(item, context, cause),
    );
  }

  /** {@link #runItem} for what needs awaiting first: mismatches, echoes, collected data. */
  async #runItemAsync(
    item: BatchItem,
    context: WebhookContext,
    completions: GroupedCompletions,
  ): Promise<ItemResult> {
    const mismatch = mismatchOf(item);
    if (mismatch !== undefined && this.#options.onSchemaMismatch === 'dead-letter') {
      return this.#deadLetter(item, context, mismatch, 'schema-mismatch');
    }
    if (mismatch !== undefined)
      await this.#notify({ error: mismatch, event: item.event, context, deadLettered: false });
    try {
      context = await this.#collectedDataContext(item, context);
      if ((context as { isEcho?: boolean }).isEcho === true && !this.#options.deliverEchoes) {
        this.#options.status.recordEcho();
        return { kind: 'echo', recorded: completions.add(item.event.id) };
      }
      await this.#runHandlers(item, context);
    } catch (cause) {
      return this.#fail(item, context, cause);
    }
    return this.#processed(item, completions);
  }

  #processed(item: BatchItem, completions: GroupedCompletions, at?: number): ItemResult {
    this.#options.status.recordProcessed(at);
    return { kind: 'processed', recorded: completions.add(item.event.id) };
  }

  /**
   * Calls the webhook's handlers in order. Returns undefined when every one returned
   * synchronously, else a promise of the rest (each awaited before the next starts).
   * Throws what a synchronous handler throws.
   */
  #runHandlers(item: EventValidation, context: WebhookContext): Promise<void> | undefined {
    const handlers = this.#options.handlers.handlersFor(item.event.event, item.validated);
    for (let i = 0; i < handlers.length; i++) {
      const returned = handlers[i]!(item.event, context);
      if (isThenable(returned)) return this.#awaitHandlers(handlers, i, returned, item, context);
    }
    return undefined;
  }

  async #awaitHandlers(
    handlers: readonly AnyWebhookHandler[],
    from: number,
    running: PromiseLike<unknown>,
    item: EventValidation,
    context: WebhookContext,
  ): Promise<void> {
    await running;
    for (let i = from + 1; i < handlers.length; i++) await handlers[i]!(item.event, context);
  }

  async #fail(item: BatchItem, context: WebhookContext, cause: unknown): Promise<ItemResult> {
    const { id, event } = item.event;
    const error = new HandlerError(event, { cause, index: item.index, id });
    this.#options.logger.error?.(
      { id, event, index: item.index, attempt: context.attempt, error: describeError(cause) },
      'webhook handler failed',
    );
    if (context.attempt >= this.#options.maxAttempts) {
      return this.#deadLetter(item, context, error, 'max-attempts');
    }
    this.#options.status.recordFailure({
      id,
      event,
      error: error.message,
      attempts: context.attempt,
      deadLettered: false,
    });
    await this.#notify({ error, event: item.event, context, deadLettered: false });
    try {
      await this.#options.store.release([id], { failed: true });
    } catch (releaseError) {
      // The claim expires after its lease; the redelivery waits until then.
      this.#options.logger.warn?.(
        { error: describeError(releaseError) },
        'dedupe store release failed',
      );
    }
    return { kind: 'failed', error };
  }

  async #deadLetter(
    item: BatchItem,
    context: WebhookContext,
    error: HandlerError | SchemaMismatchError,
    reason: DeadLetter['reason'],
  ): Promise<ItemResult> {
    const { id, event } = item.event;
    const cause = error.cause instanceof Error ? error.cause.message : error.message;
    try {
      await this.#options.store.addDeadLetter({
        id,
        event,
        webhook: item.event,
        reason,
        error: cause,
        attempts: context.attempt,
        failedAt: Date.now(),
      });
    } catch (storeError) {
      this.#options.logger.error?.(
        { id, error: describeError(storeError) },
        'could not store a dead letter',
      );
      return {
        kind: 'failed',
        error: new StoreError('STORE_UNAVAILABLE', 'Dedupe store is unavailable', {
          cause: storeError,
          index: item.index,
          id,
        }),
      };
    }
    this.#options.logger.warn?.(
      { id, event, reason, attempts: context.attempt },
      'webhook moved to the dead letters',
    );
    this.#options.status.recordFailure({
      id,
      event,
      error: cause,
      attempts: context.attempt,
      deadLettered: true,
    });
    await this.#notify({ error, event: item.event, context, deadLettered: true });
    return { kind: 'dead-lettered' };
  }

  async #releaseUnstarted(
    items: readonly BatchItem[],
    from: number,
    claims: readonly BatchClaim[],
  ): Promise<void> {
    const ids: string[] = [];
    for (let position = from; position < items.length; position++) {
      const claim = claims[position];
      if (claim !== DUPLICATE_IN_BATCH && claim?.status === 'claimed') {
        ids.push(items[position]!.event.id);
      }
    }
    if (ids.length === 0) return;
    try {
      await this.#options.store.release(ids);
    } catch (cause) {
      this.#options.logger.warn?.({ error: describeError(cause) }, 'dedupe store release failed');
    }
  }

  async #notify(failure: WebhookFailure): Promise<void> {
    for (const listener of this.#options.handlers.errorHandlers) {
      try {
        await listener(failure);
      } catch (error) {
        this.#options.logger.warn?.({ error: describeError(error) }, 'onError listener threw');
      }
    }
  }
}

function isCollectedDataEvent(event: string): boolean {
  return event === 'COLLECTED_DATA_CHANGED' || event === 'COLLECTED_DATA_UPDATED';
}

function deadlineTimer(deadlineAt: number): { reached: Promise<typeof TIMED_OUT>; clear(): void } {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const reached = new Promise<typeof TIMED_OUT>((resolve) => {
    timer = setTimeout(() => resolve(TIMED_OUT), Math.max(0, deadlineAt - Date.now()));
  });
  return { reached, clear: () => clearTimeout(timer) };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
