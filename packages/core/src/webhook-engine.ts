import type { DeadLetter, DedupeStore, ListDeadLettersOptions } from './dedupe-store.js';
import { ConfigurationError } from './errors.js';
import type { PassfortEventName } from './events/event-schemas.js';
import { inProcessQueue } from './in-process-queue.js';
import type { WebhookInstrumentation } from './instrumentation.js';
import type { Logger } from './logger.js';
import { memoryStore } from './memory-store.js';
import type { LoopGuard } from './sync/loop-guard.js';
import {
  type AnyWebhookHandler,
  HandlerRegistry,
  type WebhookErrorHandler,
  type WebhookHandler,
  type WebhookHandlerMap,
} from './webhook-handlers.js';
import { type SchemaMismatchPolicy, WebhookProcessor } from './webhook-processor.js';
import type { WebhookQueue } from './webhook-queue.js';
import { StatusTracker, type WebhookStatus } from './webhook-status.js';

/** Options shared by a receiver and a queue worker: how handlers run. */
export interface WebhookEngineOptions {
  /**
   * Where handled webhook ids and dead letters are kept, so a redelivered webhook is skipped.
   * @default memoryStore()
   */
  store?: DedupeStore;
  /**
   * How long a delivery holds a webhook id before another may take it over, so a crashed
   * process cannot hold an id for ever. Must outlast the slowest handler.
   * @default 60_000
   */
  leaseMs?: number;
  /**
   * Times a webhook's handlers may fail before it moves to the dead letters and is acked,
   * so one poison webhook cannot stall Passfort's queue. With Passfort's backoff
   * (30 s doubling) 8 attempts span about two hours.
   * @default 8
   */
  maxAttempts?: number;
  /**
   * A documented event whose payload no longer matches its schema: `'dead-letter'` sets it
   * aside (acked, replayable), `'deliver'` gives it to `onAny` unvalidated.
   * @default 'dead-letter'
   */
  onSchemaMismatch?: SchemaMismatchPolicy;
  /**
   * First wait before a queue worker retries a failed webhook in place; doubles each time.
   * @default 1000
   */
  retryDelayMs?: number;
  /**
   * `status()` reports `'stalled'` when webhooks wait and nothing progressed for this long.
   * @default 60_000
   */
  stalledAfterMs?: number;
  /**
   * Recognises collected-data webhooks that echo our own API writes (`ctx.isEcho`), so
   * they do not start a webhook → write → webhook loop. Share it with `createPassfortClient`.
   */
  loopGuard?: LoopGuard;
  /**
   * Deliver echoes of our own writes to handlers anyway (with `ctx.isEcho === true`).
   * @default false (they are acked and counted, handlers are not called)
   */
  deliverEchoes?: boolean;
  /**
   * Metrics and tracing hooks, e.g. `openTelemetryInstrumentation()` from
   * `@passfort-webhooks/core/otel`. Nothing is called when unset.
   */
  instrumentation?: WebhookInstrumentation;
  /** Handlers by event name, registered as if by `on()`. */
  on?: WebhookHandlerMap;
  /** A pino-compatible logger. Nothing is logged by default. Secrets are never logged. */
  logger?: Logger;
}

/** Listing, replaying and deleting dead letters. */
export interface DeadLetters {
  /** Dead letters, oldest first. */
  list(options?: ListDeadLettersOptions): Promise<readonly DeadLetter[]>;
  get(id: string): Promise<DeadLetter | undefined>;
  /**
   * Runs the dead letter's handlers now; on success it is deleted. Rejects with a
   * `HandlerError` if a handler fails again (the dead letter stays).
   */
  replay(id: string): Promise<void>;
  /** Deletes a dead letter without running it; true if there was one. */
  delete(id: string): Promise<boolean>;
}

/** Registering handlers and reading state: what receivers and workers have in common. */
export interface WebhookHandling {
  /**
   * Registers a handler for one documented event, or several; `event` is typed from the
   * event's schema. Handlers of one event run in registration order, before `onAny`.
   * Returns a function that removes the handler.
   * @example
   * webhooks.on('PRODUCT_STATUS_CHANGED', async (event) => {
   *   await db.applications.setStatus(event.data.application_id, event.data.new_status);
   * });
   */
  on<E extends PassfortEventName>(event: E | readonly E[], handler: WebhookHandler<E>): () => void;
  /** Registers a handler for every webhook, including events this version does not know. */
  onAny(handler: AnyWebhookHandler): () => void;
  /** Hears handler failures, dead letters and payloads that did not match their schema. */
  onError(handler: WebhookErrorHandler): () => void;
  /** The receiving side's queue status, mirroring Passfort's webhook status page. */
  status(): Promise<WebhookStatus>;
  readonly deadLetters: DeadLetters;
}

export function positiveInteger(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new ConfigurationError(`${name} must be a positive integer, got ${String(value)}`);
  }
  return value;
}

/** The parts shared by a receiver and a worker, built and validated once. */
export interface WebhookEngine extends WebhookHandling {
  readonly store: DedupeStore;
  readonly processor: WebhookProcessor;
  readonly leaseMs: number;
  /** Closes the queue if the engine created it, waits for running handlers, closes the default store. */
  close(): Promise<void>;
}

/** The queue of a `delivery: 'queue'` set-up, and whether the engine created it. */
export interface EngineQueue {
  readonly queue: WebhookQueue;
  readonly owned: boolean;
}

export function createWebhookEngine(
  options: WebhookEngineOptions,
  engineQueue?: EngineQueue,
): WebhookEngine {
  const leaseMs = positiveInteger('leaseMs', options.leaseMs, 60_000);
  const maxAttempts = positiveInteger('maxAttempts', options.maxAttempts, 8);
  const retryDelayMs = positiveInteger('retryDelayMs', options.retryDelayMs, 1000);
  const stalledAfterMs = positiveInteger('stalledAfterMs', options.stalledAfterMs, 60_000);
  const onSchemaMismatch = options.onSchemaMismatch ?? 'dead-letter';
  if (onSchemaMismatch !== 'dead-letter' && onSchemaMismatch !== 'deliver') {
    throw new ConfigurationError("onSchemaMismatch must be 'dead-letter' or 'deliver'");
  }
  const ownsStore = options.store === undefined;
  const store = options.store ?? memoryStore();
  const logger = options.logger ?? {};
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
  const processor = new WebhookProcessor({
    store,
    handlers,
    logger,
    status,
    leaseMs,
    maxAttempts,
    onSchemaMismatch,
    retryDelayMs,
    loopGuard: options.loopGuard,
    deliverEchoes: options.deliverEchoes ?? false,
    instrumentation: options.instrumentation,
  });

  return {
    store,
    processor,
    leaseMs,
    on: (event, handler) => handlers.on(event, handler as AnyWebhookHandler),
    onAny: (handler) => handlers.onAny(handler),
    onError: (handler) => handlers.onError(handler),
    async status() {
      const waiting = engineQueue === undefined ? 0 : await engineQueue.queue.waiting();
      return status.snapshot(await store.countDeadLetters(), waiting);
    },
    deadLetters: {
      list: async (listOptions) => store.listDeadLetters(listOptions),
      get: async (id) => store.getDeadLetter(id),
      delete: async (id) => store.deleteDeadLetter(id),
      async replay(id) {
        const letter = await store.getDeadLetter(id);
        if (letter === undefined) throw new ConfigurationError(`No dead letter with id ${id}`);
        await processor.replay(letter);
      },
    },
    async close() {
      if (engineQueue?.owned === true) await engineQueue.queue.close();
      await processor.settle();
      if (ownsStore) await store.close?.();
    },
  };
}

/** The queue a `delivery: 'queue'` set-up uses: the one given, or an in-process one. */
export function resolveQueue(queue: WebhookQueue | undefined): EngineQueue {
  return { queue: queue ?? inProcessQueue(), owned: queue === undefined };
}
