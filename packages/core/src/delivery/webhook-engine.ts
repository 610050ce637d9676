import { ConfigurationError } from '../errors/configuration-error.js';
import type { QueueUnavailableError } from '../errors/queue-unavailable-error.js';
import type { SenderSilentError } from '../errors/sender-silent-error.js';
import { StoreUnavailableError } from '../errors/store-unavailable-error.js';
import { inspectDrift } from '../events/schema-drift.js';
import type { BatchItem } from '../events/validate-event-data.js';
import { resolveLogger } from '../observability/console-logger.js';
import type { DriftObservation } from '../observability/drift-report.js';
import type { DeliveryScope } from '../observability/instrumentation.js';
import { noRedaction, type Redact } from '../observability/redact-secrets.js';
import { SILENCE_OFF } from '../observability/silence-watch.js';
import { positiveInteger } from '../options/positive-integer.js';
import type { QueuedWebhook } from '../queues/webhook-queue.js';
import { memoryStore } from '../stores/memory/memory-store.js';
import type { DeliveryOutcome } from './delivery-outcome.js';
import type { DeliverySettings } from './delivery-settings.js';
import type { BackgroundHost } from './inline/batch-run-answer.js';
import { InlineDelivery } from './inline/inline-delivery.js';
import type { EngineQueue } from './queued/engine-queue.js';
import { processQueued } from './queued/process-queued.js';
import { QueueDelivery } from './queued/queue-delivery.js';
import { createDeadLetters } from './replay/dead-letters.js';
import { HandlerRegistry } from './run/handler-registry.js';
import { WebhookRunner } from './run/webhook-runner.js';
import { createDriftTracker } from './status/create-drift-tracker.js';
import { createSilenceWatch } from './status/create-silence-watch.js';
import { StatusTracker } from './status/status-tracker.js';
import { LeaseKeeper } from './time/lease-keeper.js';
import type { WebhookEngineOptions } from './webhook-engine-options.js';
import type { AnyWebhookHandler } from './webhook-handler.js';
import type { WebhookHandling } from './webhook-handling.js';

/**
 * The parts shared by a receiver and a worker, built and validated once. The receiver meets
 * delivery here and nowhere else: it hands over a request's webhooks (`deliver`) and reads
 * state; the store, the leases and the choice of inline or queue stay inside.
 */
export interface WebhookEngine<Tx = unknown> extends WebhookHandling<Tx> {
  /**
   * Delivers a request's webhooks, as the receiver was created to: inline (claimed, handlers
   * run in order within the deadline) or to the queue (durably enqueued; its depth reported).
   * `onError` hears when the store or the queue failed it. Resolves with the counts and the
   * error that stopped it, by the deadline at the latest; rejects only on a bug.
   * `runtime` holds work that outlives the answer (a handler past the deadline) on runtimes
   * that need it.
   */
  deliver(
    items: readonly BatchItem[],
    deadlineAt: number,
    scope: DeliveryScope,
    runtime?: BackgroundHost,
  ): Promise<DeliveryOutcome>;
  /** Runs one webhook a queue handed to this process's worker. */
  processQueued(item: QueuedWebhook, signal?: AbortSignal): Promise<void>;
  /** Counts an answered delivery request for `status()`: its webhooks, duplicates, latency. */
  recordRequest(received: number, duplicates: number, latencyMs: number): void;
  /**
   * An authentic delivery request's webhooks, as received: the sender is heard (silence ends)
   * and what they carry that this version does not know goes to the drift report.
   */
  observeReceived(items: readonly BatchItem[]): void;
  /**
   * Closes the queue it delivered to, given or created (an in-process queue drains first and
   * logs what it drops), waits for running handlers, closes the default store.
   */
  close(): Promise<void>;
}

/**
 * Builds the engine. With `engineQueue`, a receiver's `deliver` enqueues and a worker consumes
 * that queue. `redact` scrubs the webhook secrets (rotated ones too) from every failure text
 * delivery keeps or logs: the receiver's one redaction (see `webhookSecret`); none for a worker
 * created without `secret`.
 */
export function createWebhookEngine<Tx = unknown>(
  options: WebhookEngineOptions,
  engineQueue?: EngineQueue,
  redact: Redact = noRedaction,
): WebhookEngine<Tx> {
  const ownsStore = options.store === undefined;
  const store = options.store ?? memoryStore();
  // Short leases where the store can renew them while handlers run (every built-in store):
  // a crashed process's claims then end within seconds instead of a minute.
  const leaseMs = positiveInteger('leaseMs', options.leaseMs, store.renew ? 9_000 : 60_000);
  const maxAttempts = positiveInteger('maxAttempts', options.maxAttempts, 8);
  const retryDelayMs = positiveInteger('retryDelayMs', options.retryDelayMs, 1000);
  const handlerTimeoutMs = positiveInteger('handlerTimeoutMs', options.handlerTimeoutMs, 300_000);
  const stalledAfterMs = positiveInteger('stalledAfterMs', options.stalledAfterMs, 60_000);
  const onSchemaMismatch = options.onSchemaMismatch ?? 'dead-letter';
  if (onSchemaMismatch !== 'dead-letter' && onSchemaMismatch !== 'deliver') {
    throw new ConfigurationError("onSchemaMismatch must be 'dead-letter' or 'deliver'");
  }
  const handlers = new HandlerRegistry();
  for (const [event, handler] of Object.entries(options.on ?? {})) {
    for (const one of Array.isArray(handler) ? handler : [handler]) {
      if (typeof one !== 'function') {
        throw new ConfigurationError(`The handler for ${event} in options.on is not a function`);
      }
      handlers.on(event, one);
    }
  }
  const status = new StatusTracker(stalledAfterMs);
  const logger = resolveLogger(options.logger);
  // One fencing token per receiver or worker instance (see DeliverySettings.owner), made on
  // first use: Workers refuse random values at a module's top level, where receivers are made.
  let owner: string | undefined;
  const ownerOf = () => {
    owner ??= globalThis.crypto.randomUUID();
    return owner;
  };
  const settings: DeliverySettings = {
    store,
    handlers,
    logger,
    get owner() {
      return ownerOf();
    },
    leases: new LeaseKeeper(store, leaseMs, logger, ownerOf),
    status,
    leaseMs,
    maxAttempts,
    onSchemaMismatch,
    retryDelayMs,
    handlerTimeoutMs,
    loopGuard: options.loopGuard,
    deliverEchoes: options.deliverEchoes ?? false,
    instrumentation: options.instrumentation,
    redact,
  };
  const runner = new WebhookRunner(settings);
  const inline = new InlineDelivery(settings, runner);
  const { instrumentation } = options;
  // onError hears the sender's silence and a store or queue failing a delivery.
  const notify = (error: StoreUnavailableError | QueueUnavailableError | SenderSilentError) =>
    runner.notifyDeliveryFailure(error);
  const drift = createDriftTracker(options.drift, logger, instrumentation);
  const silence = createSilenceWatch(options.expectWebhookWithin, logger, instrumentation, notify);
  const queued =
    engineQueue === undefined ? undefined : new QueueDelivery(settings, engineQueue.queue, notify);

  return {
    // Chosen once: inline delivery's own promise is returned as it is, with no layer around it.
    deliver:
      queued === undefined
        ? (items, deadlineAt, scope, runtime) => inline.deliver(items, deadlineAt, scope, runtime)
        : (items, deadlineAt, scope) => queued.deliver(items, deadlineAt, scope),
    async processQueued(item, signal) {
      try {
        await processQueued(settings, runner, item, signal);
      } catch (error) {
        if (signal?.aborted === true) throw error; // the queue is closing: nothing failed
        // The queue retries the job; onError hears why.
        runner.notifyDeliveryFailure(
          StoreUnavailableError.is(error)
            ? error
            : new StoreUnavailableError(undefined, { cause: error }),
        );
        throw error;
      }
    },
    on: (event, handler) => handlers.on(event, handler as AnyWebhookHandler),
    // The context handlers get carries the store's own connection type (Tx): the registry
    // itself does not need to know it.
    onAny: (handler) => handlers.onAny(handler as AnyWebhookHandler),
    onError: (handler) => handlers.onError(handler),
    recordRequest: (received, duplicates, latencyMs) =>
      status.recordRequest(received, duplicates, latencyMs),
    observeReceived(items) {
      silence?.heard();
      if (drift !== undefined) {
        // One clock read per request, not one per sighting: every webhook of a batch that
        // carries the same unknown key read it again.
        const at = Date.now();
        const found = (observation: DriftObservation) => drift.record(observation, at);
        for (const item of items) inspectDrift(item.event, found);
      }
    },
    async status() {
      silence?.start();
      const queue = engineQueue?.queue;
      // The queue's own record of completions covers every process consuming it, so a
      // receiver with consume: false reports its workers' progress, not its own idleness.
      const [waiting, progress, deadLetters] = await Promise.all([
        queue === undefined ? 0 : queue.waiting(),
        queue?.progress?.(),
        store.countDeadLetters(),
      ]);
      const seen = {
        drift: drift?.report() ?? { entries: [], more: 0 },
        silence: silence?.status() ?? SILENCE_OFF,
      };
      return status.snapshot(deadLetters, seen, waiting, progress);
    },
    deadLetters: createDeadLetters(
      settings,
      runner,
      engineQueue?.consumed === false ? engineQueue.queue : undefined,
    ),
    async close() {
      silence?.close();
      // Every queue it delivered to, given or created: an in-process queue holds acked
      // webhooks that only this drain can still run.
      if (engineQueue !== undefined) await engineQueue.queue.close({ logger });
      await inline.settle();
      if (ownsStore) await store.close?.();
    },
  };
}
