import type { HandlerError } from '../errors/handler-error.js';
import type { QueueUnavailableError } from '../errors/queue-unavailable-error.js';
import type { SchemaMismatchError } from '../errors/schema-mismatch-error.js';
import type { SenderSilentError } from '../errors/sender-silent-error.js';
import type { StoreUnavailableError } from '../errors/store-unavailable-error.js';
import type { PassfortEventName } from '../events/event-schemas.js';
import type { AnyPassfortEvent, PassfortEvent } from '../events/passfort-event.js';
import type { CommitOnceOutcome, CommitOnceStatements } from '../stores/commit-once-store.js';
import type { ProcessedWebhook } from '../stores/dedupe-store.js';
import type { TransactionOptions } from '../stores/transactional-store.js';
import type { CollectedDataChange } from '../sync/diff-collected-data.js';

/**
 * What every handler receives beside the event. `Tx` is the connection `transaction` hands
 * over: pg's `PoolClient` with `postgresStore`, mysql2's `PoolConnection` with `mysqlStore`.
 */
export interface WebhookContext<Tx = unknown> {
  /** The webhook's id, also on the event. */
  readonly id: string;
  /** Position of the webhook in its delivered batch (0 for an unbatched webhook). */
  readonly index: number;
  /** Number of webhooks in the delivered batch (1 for an unbatched webhook). */
  readonly batchSize: number;
  /** How many times this id has been claimed for processing, this time included (from 1). */
  readonly attempt: number;
  /** When the request carrying this webhook arrived. */
  readonly receivedAt: Date;
  /**
   * True when the event is a documented one whose payload matched its schema. False for
   * unknown events and mismatching payloads, which only `onAny` handlers receive.
   */
  readonly validated: boolean;
  /**
   * Runs `fn` in a transaction of the dedupe store's own database (Postgres or MySQL store),
   * with the driver's connection, and records this webhook's effect in the same transaction:
   * what `fn` writes through `tx` takes effect exactly once, whatever crashes, timeouts and
   * redeliveries happen. A redelivery after the commit (the process died, or a later part of
   * the handler failed) skips `fn` and resolves to the value it returned then, stored as JSON.
   * If `fn` throws, nothing it wrote is kept and the webhook is retried.
   *
   * Work outside `fn` (an e-mail, an API call) stays at-least-once. One transaction per
   * webhook; a second call, or a call with the memory or Redis store, rejects with a
   * `ConfigurationError`.
   *
   * @example
   * webhooks.on('PRODUCT_STATUS_CHANGED', async (event, ctx) => {
   *   await ctx.transaction(async (tx) => {
   *     await tx.query('UPDATE applications SET status = $1 WHERE id = $2', [
   *       event.data.new_status,
   *       event.data.application_id,
   *     ]);
   *   });
   * });
   */
  transaction<T>(fn: (tx: Tx) => Promise<T>, options?: TransactionOptions): Promise<T>;
  /**
   * Commits `statements`, prepared on the dedupe store's own D1 database (`d1Store`), in one
   * `db.batch()` with the record of this webhook's effect: they take effect exactly once. A
   * redelivery after that commit (the isolate died, or a later part of the handler failed)
   * writes nothing and resolves `{ applied: false }`; a crash before it left nothing written.
   * If a statement fails, nothing is written and the webhook is retried.
   *
   * D1's answer to `ctx.transaction`, which D1 cannot run (no transaction stays open while
   * code runs): read first, then hand every write over at once, as an array or as a function
   * that prepares them on the store's database `db`, which it is given. Work outside the call
   * stays at-least-once. One call per webhook; with another store it rejects with a
   * `ConfigurationError`.
   *
   * @example
   * webhooks.on('PRODUCT_STATUS_CHANGED', async (event, ctx) => {
   *   await ctx.commitOnce((db) => [
   *     db.prepare('UPDATE applications SET status = ? WHERE id = ?')
   *       .bind(event.data.new_status, event.data.application_id),
   *   ]);
   * });
   */
  commitOnce<S>(statements: CommitOnceStatements<Tx, S>): Promise<CommitOnceOutcome>;
  /**
   * Set when this run is an operator's replay of a dead letter (`deadLetters.replay`, or the
   * console's replay button); undefined for a delivery from Passfort. `supersededBy` lists the
   * webhooks for the same profile that were processed after the letter was set aside: their
   * state is newer than this webhook's, so a handler that writes state should not roll it back.
   *
   * @example
   * webhooks.on('PRODUCT_STATUS_CHANGED', async (event, ctx) => {
   *   if (ctx.replay && ctx.replay.supersededCount > 0) return; // newer state already applied
   *   await applyStatus(event.data);
   * });
   */
  readonly replay?: ReplayInfo;
}

/** What a replayed dead letter's handlers learn about it: `ctx.replay`. */
export interface ReplayInfo {
  /** When the webhook was set aside as a dead letter. */
  readonly deadLetteredAt: Date;
  /** How many webhooks for the same profile were processed after that (0: none, or no profile). */
  readonly supersededCount: number;
  /** The oldest of those webhooks (at most 20), oldest first. */
  readonly supersededBy: readonly ProcessedWebhook[];
}

/** The events that carry `old_data` / `new_data` snapshots of a profile's collected_data. */
export type CollectedDataEventName = 'COLLECTED_DATA_CHANGED' | 'COLLECTED_DATA_UPDATED';

/** The context of a collected-data event: the diff, and whether it echoes our own write. */
export interface CollectedDataContext<Tx = unknown> extends WebhookContext<Tx> {
  /** What changed from `old_data` to `new_data`, Passfort's own additions ignored. Computed on first read. */
  readonly changes: readonly CollectedDataChange[];
  /**
   * What differs between your own copy of the profile and `new_data`: empty means your
   * system is already in step and there is nothing to do.
   */
  diffAgainst(systemData: unknown): CollectedDataChange[];
  /**
   * True when this webhook is Passfort's echo of a write made through our own API client
   * (see `createLoopGuard`). Echoes reach handlers only with `deliverEchoes: true`.
   */
  readonly isEcho: boolean;
}

/** The context a handler of event `E` receives (`Tx`: see {@link WebhookContext}). */
export type ContextFor<E extends PassfortEventName, Tx = unknown> = E extends CollectedDataEventName
  ? CollectedDataContext<Tx>
  : WebhookContext<Tx>;

/** A handler for one or more documented events; may be async. */
export type WebhookHandler<E extends PassfortEventName = PassfortEventName, Tx = unknown> = (
  event: PassfortEvent<E>,
  context: ContextFor<E, Tx>,
) => unknown;

/** A handler for every webhook, documented or not. */
export type AnyWebhookHandler<Tx = unknown> = (
  event: AnyPassfortEvent,
  context: WebhookContext<Tx>,
) => unknown;

/** Handlers by event name, for the one-line set-up: `{ on: { CHECK_COMPLETED: handler } }`. */
export type WebhookHandlerMap<Tx = unknown> = {
  [E in PassfortEventName]?: WebhookHandler<E, Tx> | readonly WebhookHandler<E, Tx>[];
};

/**
 * What `onError` handlers hear. About one webhook: a failed handler, or a payload that missed
 * its schema (`event` and `context` set). About a whole delivery: the dedupe store or the
 * queue failed, so the answer was a 503 and Passfort will redeliver (`event` undefined; the
 * error is a `StoreUnavailableError` or a `QueueUnavailableError`, its `code` says which).
 * About the sender: nothing authentic arrived within `expectWebhookWithin` (a
 * `SenderSilentError`, heard once per silence).
 *
 * @example
 * webhooks.onError((failure) => {
 *   if (failure.event === undefined) return alertOps(failure.error.code, failure.error.message);
 *   log.error({ id: failure.event.id, code: failure.error.code }, failure.error.message);
 * });
 */
export type WebhookFailure =
  | {
      readonly error: HandlerError | SchemaMismatchError;
      readonly event: AnyPassfortEvent;
      readonly context: WebhookContext;
      /** True when this failure moved the webhook to the dead letters (it is acked). */
      readonly deadLettered: boolean;
    }
  | {
      readonly error: StoreUnavailableError | QueueUnavailableError | SenderSilentError;
      readonly event?: undefined;
      readonly context?: undefined;
      readonly deadLettered: false;
    };

/** A listener for {@link WebhookFailure}s; its own errors are logged and ignored. */
export type WebhookErrorHandler = (failure: WebhookFailure) => unknown;
