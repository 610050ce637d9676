import { ConfigurationError } from '../errors/configuration-error.js';
import type { QueueUnavailableError } from '../errors/queue-unavailable-error.js';
import { SenderSilentError } from '../errors/sender-silent-error.js';
import { StoreUnavailableError } from '../errors/store-unavailable-error.js';
import type { PassfortEventName } from '../events/event-schemas.js';
import { inspectDrift } from '../events/schema-drift.js';
import type { BatchItem } from '../events/validate-event-data.js';
import { resolveLogger } from '../observability/console-logger.js';
import { DEFAULT_DRIFT_ENTRIES, DriftTracker } from '../observability/drift-report.js';
import type { WebhookInstrumentation } from '../observability/instrumentation.js';
import type { Logger } from '../observability/logger.js';
import { createRedactor } from '../observability/redact-secrets.js';
import { SILENCE_OFF, SilenceWatch } from '../observability/silence-watch.js';
import { positiveInteger } from '../options/positive-integer.js';
import type { KnownOptions } from '../options/refuse-unknown-options.js';
import { inProcessQueue } from '../queues/in-process-queue.js';
import type { QueuedWebhook, WebhookQueue } from '../queues/webhook-queue.js';
import type { DedupeStore } from '../stores/dedupe-store.js';
import { memoryStore } from '../stores/memory/memory-store.js';
import type { TransactionClientOf } from '../stores/transactional-store.js';
import type { LoopGuard } from '../sync/loop-guard.js';
import type { DeliverySettings, SchemaMismatchPolicy } from './delivery-settings.js';
import { InlineDelivery } from './inline/inline-delivery.js';
import { processQueued } from './queued/process-queued.js';
import { createDeadLetters, type DeadLetters } from './replay/dead-letters.js';
import { HandlerRegistry } from './run/handler-registry.js';
import { WebhookRunner } from './run/webhook-runner.js';
import { StatusTracker, type WebhookStatus } from './status/status-tracker.js';
import { LeaseKeeper } from './time/lease-keeper.js';
import type {
  AnyWebhookHandler,
  WebhookErrorHandler,
  WebhookHandler,
  WebhookHandlerMap,
} from './webhook-handler.js';

/** The options a receiver and a worker share, for their unknown-option checks. */
export const ENGINE_OPTIONS = {
  store: true,
  leaseMs: true,
  maxAttempts: true,
  onSchemaMismatch: true,
  retryDelayMs: true,
  handlerTimeoutMs: true,
  stalledAfterMs: true,
  loopGuard: true,
  deliverEchoes: true,
  instrumentation: true,
  drift: true,
  expectWebhookWithin: true,
  on: true,
  logger: true,
} as const satisfies KnownOptions<WebhookEngineOptions>;

/**
 * Options shared by a receiver and a queue worker: how handlers run. `S` is the store's type,
 * which gives `ctx.transaction` its connection type.
 */
export interface WebhookEngineOptions<S extends DedupeStore = DedupeStore> {
  /**
   * Where handled webhook ids and dead letters are kept, so a redelivered webhook is skipped.
   * A SQL store (`postgresStore`, `mysqlStore`) also gives handlers `ctx.transaction`.
   * @default memoryStore()
   */
  store?: S;
  /**
   * How long a claim on a webhook id lasts unless renewed: a crashed process's claims end
   * after it, so Passfort's redelivery can take them. While handlers run, the claims are
   * renewed every third of it, so a slow handler is never taken over.
   * @default 9_000 with a store that renews leases (every built-in store); 60_000 otherwise,
   * and then it must outlast the slowest handler
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
   * How long one webhook's handlers (and each `onError` listener) may run before they count as
   * failed: the webhook is then retried, and dead-lettered after `maxAttempts`, instead of a
   * handler that never settles holding its claim, stalling Passfort's queue and `close()` for
   * ever. Well above Passfort's deadlines (a handler past those is answered for, and goes on);
   * raise it for handlers that legitimately run longer. The handler itself cannot be stopped.
   * @default 300_000 (5 minutes)
   */
  handlerTimeoutMs?: number;
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
  /**
   * Report what Passfort sent that this version does not know yet: unknown event names, keys
   * outside the documented schemas (by path) and enum values outside the documented ones, in
   * `status().drift`, as a metric, on the console, and as one warn log per new entry. Values
   * are never kept, only paths and the unknown enum value. `maxEntries` caps the distinct
   * entries kept; later ones are counted as "N more".
   * @default true ({ maxEntries: 200 })
   */
  drift?: boolean | { maxEntries?: number };
  /**
   * Report the sender silent when no authentic webhook has arrived for this long: `status()`
   * says since when, one warn log fires, `onError` hears a `SenderSilentError`, and the
   * console shows a badge. It recovers on the next authentic webhook. Off by default: a quiet
   * account is not a fault. For an account with steady traffic, a few times its longest
   * usual gap, e.g. `6 * 60 * 60 * 1000` (6 hours).
   */
  expectWebhookWithin?: number;
  /** Handlers by event name, registered as if by `on()`. */
  on?: WebhookHandlerMap<TransactionClientOf<S>>;
  /**
   * A pino-compatible logger, or `false` for none. Secrets are never logged.
   * @default warnings and errors to the console (info and debug stay quiet)
   * @example pino({ level: 'info' })
   */
  logger?: Logger | false;
}

/**
 * `E` itself when it is a documented event name; otherwise a message, which TypeScript shows
 * as the parameter type: `Argument of type '"CHECK_COMPLETD"' is not assignable to parameter
 * of type '"Not a Passfort event name: CHECK_COMPLETD. …"'`, instead of the list of every
 * event name.
 */
export type EventNameOrMessage<E extends string> = E extends PassfortEventName
  ? E
  : `Not a Passfort event name: ${E}. onAny() receives the events this version does not know`;

/**
 * Registering handlers and reading state: what receivers and workers have in common. `Tx` is
 * the connection `ctx.transaction` hands to handlers (`never` without a SQL store).
 */
export interface WebhookHandling<Tx = unknown> {
  /**
   * Registers a handler for one documented event, or several; `event` is typed from the
   * event's schema. Handlers of one event run in registration order, before `onAny`.
   * Returns a function that removes the handler.
   * @example
   * webhooks.on('PRODUCT_STATUS_CHANGED', async (event) => {
   *   await db.applications.setStatus(event.data.application_id, event.data.new_status);
   * });
   */
  on<const E extends string>(
    event: EventNameOrMessage<E> | readonly EventNameOrMessage<E>[],
    handler: WebhookHandler<E & PassfortEventName, Tx>,
  ): () => void;
  /** Registers a handler for every webhook, including events this version does not know. */
  onAny(handler: AnyWebhookHandler<Tx>): () => void;
  /** Hears handler failures, dead letters and payloads that did not match their schema. */
  onError(handler: WebhookErrorHandler): () => void;
  /** The receiving side's queue status, mirroring Passfort's webhook status page. */
  status(): Promise<WebhookStatus>;
  readonly deadLetters: DeadLetters;
}

/** The parts shared by a receiver and a worker, built and validated once. */
export interface WebhookEngine<Tx = unknown> extends WebhookHandling<Tx> {
  readonly store: DedupeStore;
  readonly leaseMs: number;
  /** Runs a request's webhooks during the request. */
  readonly inline: InlineDelivery;
  /** Runs one webhook a queue handed to this process's worker. */
  processQueued(item: QueuedWebhook, signal?: AbortSignal): Promise<void>;
  /** Tells `onError` that the store or the queue failed a delivery. */
  notifyDeliveryFailure(error: StoreUnavailableError | QueueUnavailableError): void;
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

/** The queue of a `delivery: 'queue'` set-up, and whether the engine created it. */
export interface EngineQueue {
  readonly queue: WebhookQueue;
  readonly owned: boolean;
  /** False when this process only enqueues (`consume: false`): its handlers run on the workers. */
  readonly consumed?: boolean;
}

/**
 * Builds the engine. `secrets` are the webhook secrets (rotated ones too) to scrub from every
 * failure text delivery keeps or logs; none for a worker created without `secret`.
 */
export function createWebhookEngine<Tx = unknown>(
  options: WebhookEngineOptions,
  engineQueue?: EngineQueue,
  secrets: readonly string[] = [],
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
    redact: createRedactor(secrets),
  };
  const runner = new WebhookRunner(settings);
  const inline = new InlineDelivery(settings, runner);
  const { instrumentation } = options;
  const drift = createDriftTracker(options.drift, logger, instrumentation);
  const recordDrift = drift === undefined ? undefined : drift.record.bind(drift);
  const silence = createSilenceWatch(
    options.expectWebhookWithin,
    logger,
    instrumentation,
    (error) => runner.notifyDeliveryFailure(error),
  );

  return {
    store,
    leaseMs,
    inline,
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
    notifyDeliveryFailure: (error) => runner.notifyDeliveryFailure(error),
    on: (event, handler) => handlers.on(event, handler as AnyWebhookHandler),
    // The context handlers get carries the store's own connection type (Tx): the registry
    // itself does not need to know it.
    onAny: (handler) => handlers.onAny(handler as AnyWebhookHandler),
    onError: (handler) => handlers.onError(handler),
    recordRequest: (received, duplicates, latencyMs) =>
      status.recordRequest(received, duplicates, latencyMs),
    observeReceived(items) {
      silence?.heard();
      if (recordDrift !== undefined) {
        for (const item of items) inspectDrift(item.event, recordDrift);
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

/** The queue a `delivery: 'queue'` set-up uses: the one given, or an in-process one. */
export function resolveQueue(queue: WebhookQueue | undefined): EngineQueue {
  return { queue: queue ?? inProcessQueue(), owned: queue === undefined };
}

/** The drift report the `drift` option asks for; undefined when it is off. */
function createDriftTracker(
  option: WebhookEngineOptions['drift'],
  logger: Logger,
  instrumentation: WebhookInstrumentation | undefined,
): DriftTracker | undefined {
  if (option === false) return undefined;
  if (option !== undefined && option !== true && (typeof option !== 'object' || option === null)) {
    throw new ConfigurationError('drift must be true, false or { maxEntries }');
  }
  const maxEntries = positiveInteger(
    'drift.maxEntries',
    typeof option === 'object' ? option.maxEntries : undefined,
    DEFAULT_DRIFT_ENTRIES,
  );
  const onObserved = instrumentation?.drift?.bind(instrumentation);
  return new DriftTracker(maxEntries, logger, onObserved);
}

/** The silence watch `expectWebhookWithin` asks for; undefined when it is off. */
function createSilenceWatch(
  expectWithinMs: number | undefined,
  logger: Logger,
  instrumentation: WebhookInstrumentation | undefined,
  notify: (error: SenderSilentError) => void,
): SilenceWatch | undefined {
  if (expectWithinMs === undefined) return undefined;
  const within = positiveInteger('expectWebhookWithin', expectWithinMs, 0);
  const watch = new SilenceWatch(within, {
    silent(since, lastAuthenticAt) {
      logger.warn?.(
        {
          silentSince: since.toISOString(),
          lastAuthenticAt: lastAuthenticAt?.toISOString() ?? null,
          expectWebhookWithin: within,
        },
        'no authentic webhook from Passfort within expectWebhookWithin: check the webhook status in the Passfort portal',
      );
      instrumentation?.silence?.(true);
      notify(new SenderSilentError(since, within));
    },
    heardAgain(silentForMs) {
      logger.info?.({ silentForMs }, 'Passfort webhooks arrive again after a silence');
      instrumentation?.silence?.(false);
    },
  });
  try {
    watch.start();
  } catch {
    // Workers refuse timers at a module's top level, where receivers are made: the watch
    // then starts with the first request or status() read.
  }
  return watch;
}
