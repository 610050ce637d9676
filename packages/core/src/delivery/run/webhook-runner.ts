import { HandlerError } from '../../errors/handler-error.js';
import { HandlerTimeoutError } from '../../errors/handler-timeout-error.js';
import type { QueueUnavailableError } from '../../errors/queue-unavailable-error.js';
import type { SenderSilentError } from '../../errors/sender-silent-error.js';
import type { StoreUnavailableError } from '../../errors/store-unavailable-error.js';
import type { BatchItem, EventValidation } from '../../events/validate-event-data.js';
import { describeError } from '../../observability/logger.js';
import { noRedaction } from '../../observability/redact-secrets.js';
import type { GroupedCompletions } from '../claims/grouped-completions.js';
import { releaseFailed } from '../claims/release-failed.js';
import type { DeliverySettings } from '../delivery-settings.js';
import { handlerClock } from '../time/deadline-clock.js';
import type { AnyWebhookHandler, WebhookContext, WebhookFailure } from '../webhook-handler.js';
import { isCollectedDataEvent, withCollectedDataContext } from './collected-data-context.js';
import { completedWebhook } from './completed-webhook.js';
import { isThenable } from './is-thenable.js';
import { setAside } from './set-aside.js';
import type { WebhookResult } from './webhook-result.js';

/**
 * Runs one claimed webhook's handlers and records the result: completion, failure (the
 * claim released for a retry) or dead letter. The same for inline delivery, queue workers
 * and replay.
 */
export class WebhookRunner {
  readonly #settings: DeliverySettings;
  readonly #notifyBound = (failure: WebhookFailure) => this.notify(failure);

  constructor(settings: DeliverySettings) {
    this.#settings = settings;
  }

  /**
   * Runs `item` and records its result. Never rejects. Synchronous handlers are called
   * without awaiting them, so a batch of them runs without a microtask between webhooks;
   * the first handler that returns a promise switches to awaiting.
   */
  run(
    item: BatchItem,
    context: WebhookContext,
    completions: GroupedCompletions,
    startedAt?: number,
  ): WebhookResult | Promise<WebhookResult> {
    if (needsAwaitingFirst(item)) return this.runAwaitingFirst(item, context, completions);
    let pending: Promise<unknown> | undefined;
    try {
      pending = this.runHandlers(item, context);
    } catch (cause) {
      return this.fail(item, context, cause);
    }
    // Handlers that returned at once finished when they started, as far as status() can tell.
    if (pending === undefined) return this.processed(item, completions, startedAt);
    return pending.then(
      () => this.processed(item, completions),
      (cause: unknown) => this.fail(item, context, cause),
    );
  }

  /**
   * Calls the webhook's handlers in order: its event's, then `onAny`. Returns undefined
   * when every one returned synchronously, else a promise of the rest (each awaited before
   * the next starts). Throws what a synchronous handler throws. `startedAt`: a clock read the
   * caller made just before (the batch loop reads one per webhook), from which the timeout
   * runs; a clock read per call was one of six per webhook of a batch.
   */
  runHandlers(
    item: EventValidation,
    context: WebhookContext,
    startedAt?: number,
  ): Promise<unknown> | undefined {
    const handlers = this.#settings.handlers.handlersFor(item.event.event, item.validated);
    for (let i = 0; i < handlers.length; i++) {
      const returned = handlers[i]!(item.event, context);
      if (isThenable(returned)) {
        const running = awaitRest(handlers, i, returned, item, context);
        return this.#bounded(running, startedAt ?? Date.now(), () => {
          return new HandlerTimeoutError(item.event.event, this.#settings.handlerTimeoutMs, {
            id: item.event.id,
            index: context.index,
          });
        });
      }
    }
    return undefined;
  }

  /**
   * `running`, or a rejection with `timedOut()` once `handlerTimeoutMs` passed: a handler that
   * never settles would otherwise hold its claim, Passfort's queue behind it and `close()` for
   * ever. Synchronous handlers need no watch (they finished when they returned).
   */
  #bounded(
    running: PromiseLike<unknown>,
    startedAt: number,
    timedOut: () => Error,
  ): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const watch = handlerClock.watch(startedAt + this.#settings.handlerTimeoutMs, () =>
        reject(timedOut()),
      );
      running.then(
        (value) => {
          watch.settle();
          resolve(value);
        },
        (error: unknown) => {
          watch.settle();
          reject(error);
        },
      );
    });
  }

  /**
   * Tells every `onError` listener; a listener's own error is logged and ignored, and so is one
   * that does not settle within `handlerTimeoutMs` (the failure it hears must still be recorded).
   */
  async notify(failure: WebhookFailure): Promise<void> {
    for (const listener of this.#settings.handlers.errorHandlers) {
      try {
        const heard = listener(failure);
        if (isThenable(heard)) {
          await this.#bounded(heard, Date.now(), () => {
            return new HandlerTimeoutError('onError', this.#settings.handlerTimeoutMs);
          });
        }
      } catch (error) {
        this.#settings.logger.warn?.(
          { error: describeError(error, this.#settings.redact) },
          'onError listener threw',
        );
      }
    }
  }

  /**
   * Tells `onError` that the store or the queue failed a delivery, without holding up the
   * answer: the listeners run after it.
   */
  notifyDeliveryFailure(
    error: StoreUnavailableError | QueueUnavailableError | SenderSilentError,
  ): void {
    void this.notify({ error, deadLettered: false });
  }

  /** {@link run} for what needs awaiting first: mismatches, echoes, collected data. */
  async runAwaitingFirst(
    item: BatchItem,
    context: WebhookContext,
    completions: GroupedCompletions,
  ): Promise<WebhookResult> {
    const settings = this.#settings;
    const mismatch = item.validated ? undefined : item.mismatch;
    if (mismatch !== undefined) {
      // Never silent, whatever the policy: counted, logged with the paths, heard by onError.
      settings.status.recordSchemaMismatch();
      settings.logger.warn?.(
        {
          id: item.event.id,
          event: item.event.event,
          paths: mismatch.paths,
          policy: settings.onSchemaMismatch,
        },
        'webhook payload does not match its schema',
      );
      if (settings.onSchemaMismatch === 'dead-letter') {
        return setAside(settings, this.#notifyBound, item, context, mismatch, 'schema-mismatch');
      }
      await this.notify({ error: mismatch, event: item.event, context, deadLettered: false });
    }
    try {
      context = await withCollectedDataContext(settings, item, context);
      if ((context as { isEcho?: boolean }).isEcho === true && !settings.deliverEchoes) {
        settings.status.recordEcho();
        // Recorded with its profile like any completion: an echo is newer state too.
        return {
          kind: 'echo',
          recorded: completions.add(item.event.id, completedWebhook(item.event)),
        };
      }
      await this.runHandlers(item, context);
    } catch (cause) {
      return this.fail(item, context, cause);
    }
    return this.processed(item, completions);
  }

  /**
   * Records a webhook whose handlers all finished: counted, and its completion written with
   * its profile, so that a later replay of an older dead letter for that profile learns it
   * was superseded (`ctx.replay`).
   */
  processed(item: BatchItem, completions: GroupedCompletions, at?: number): WebhookResult {
    this.#settings.status.recordProcessed(at);
    return {
      kind: 'processed',
      recorded: completions.add(item.event.id, completedWebhook(item.event)),
    };
  }

  /**
   * A handler failed: dead-letter the webhook after `maxAttempts`, else report the failure
   * and release its claim so the redelivery (or the worker's retry) runs it again.
   */
  async fail(item: BatchItem, context: WebhookContext, cause: unknown): Promise<WebhookResult> {
    const settings = this.#settings;
    const { id, event } = item.event;
    const error = new HandlerError(event, { cause, index: item.index, id });
    const redact = settings.redact ?? noRedaction;
    settings.logger.error?.(
      {
        id,
        event,
        index: item.index,
        attempt: context.attempt,
        error: describeError(cause, redact),
      },
      'webhook handler failed',
    );
    if (context.attempt >= settings.maxAttempts) {
      return setAside(settings, this.#notifyBound, item, context, error, 'max-attempts');
    }
    settings.status.recordFailure({
      id,
      event,
      error: redact(error.message),
      attempts: context.attempt,
      deadLettered: false,
    });
    await this.notify({ error, event: item.event, context, deadLettered: false });
    await releaseFailed(settings, id);
    return { kind: 'failed', error };
  }
}

/**
 * True for what {@link WebhookRunner.runAwaitingFirst} must run: a payload that did not match
 * its schema, or collected data (its echo check reads the loop guard first).
 */
export function needsAwaitingFirst(item: BatchItem): boolean {
  return !item.validated || isCollectedDataEvent(item.event.event);
}

function awaitRest(
  handlers: readonly AnyWebhookHandler[],
  from: number,
  running: PromiseLike<unknown>,
  item: EventValidation,
  context: WebhookContext,
): Promise<unknown> {
  // The usual case, the last handler's own promise: no async layer around it.
  if (from === handlers.length - 1 && running instanceof Promise) return running;
  return awaitFrom(handlers, from, running, item, context);
}

async function awaitFrom(
  handlers: readonly AnyWebhookHandler[],
  from: number,
  running: PromiseLike<unknown>,
  item: EventValidation,
  context: WebhookContext,
): Promise<void> {
  await running;
  for (let i = from + 1; i < handlers.length; i++) await handlers[i]!(item.event, context);
}
