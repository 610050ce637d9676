import type { WebhookInstrumentation } from '../observability/instrumentation.js';
import type { Logger } from '../observability/logger.js';
import type { KnownOptions } from '../options/refuse-unknown-options.js';
import type { DedupeStore } from '../stores/dedupe-store.js';
import type { TransactionClientOf } from '../stores/transactional-store.js';
import type { LoopGuard } from '../sync/loop-guard.js';
import type { SchemaMismatchPolicy } from './delivery-settings.js';
import type { WebhookHandlerMap } from './webhook-handler.js';

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
