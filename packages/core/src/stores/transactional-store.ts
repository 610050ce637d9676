import type { CommitOnceStore } from './commit-once-store.js';
import type { DedupeStore, OwnerOption } from './dedupe-store.js';

/** Isolation levels `ctx.transaction` can run at. */
export type TransactionIsolation = 'read committed' | 'repeatable read' | 'serializable';

/** Options of `ctx.transaction`. */
export interface TransactionOptions {
  /**
   * The transaction's isolation level, set explicitly on every transaction rather than taken
   * from the database's or the session's default. A serialization failure or a deadlock
   * (Postgres 40001 / 40P01, MySQL 1213) rolls back everything, so `fn` is run again, a few
   * times at most; the racing delivery that committed first is seen as the recorded effect.
   * @default 'read committed'
   */
  readonly isolation?: TransactionIsolation;
}

/** Options of {@link TransactionalStore.transactOnce}: `ctx.transaction`'s, and who calls. */
export interface TransactOnceOptions extends TransactionOptions, OwnerOption {}

/**
 * A {@link DedupeStore} on a SQL database that can commit a webhook's effect and the record of
 * it in one transaction (the transactional inbox): the Postgres and MySQL stores. Handlers
 * reach it through `ctx.transaction(fn)`; `Tx` is the driver's connection `fn` receives.
 */
export interface TransactionalStore<Tx> extends DedupeStore {
  /**
   * Runs `effect` once for webhook `id`, in a transaction on a connection of the store's own
   * pool, and records in the same transaction that it ran (with the value it returned, as
   * JSON); then commits. If the record says an earlier run already committed — a redelivery
   * after a crash, a retry after a later failure, a replay — `effect` is not run and the
   * recorded value is returned. Runs for one id are serialised by a row lock, so two
   * concurrent deliveries cannot both commit. If `effect` throws, or the process dies before
   * the commit, neither the effect nor the record exists. With an `owner`, a run whose claim
   * on `id` another owner holds now (it was taken over after this delivery's lease ended) is
   * refused with a `WebhookBusyError`: `effect` does not run, nothing is recorded.
   */
  transactOnce<T>(
    id: string,
    effect: (tx: Tx) => Promise<T>,
    options?: TransactOnceOptions,
  ): Promise<T>;
}

/**
 * The connection type `ctx.transaction` hands to handlers, given the receiver's store type:
 * node-postgres's `PoolClient` for `postgresStore({ pool })`, mysql2's `PoolConnection` for
 * `mysqlStore({ pool })`, `never` for a store without transactions. For a store that commits
 * prepared statements instead (`d1Store`), its database (`ctx.commitOnce((db) => [...])`); it
 * has no `ctx.transaction`.
 */
export type TransactionClientOf<S> =
  S extends TransactionalStore<infer Tx> ? Tx : S extends CommitOnceStore<infer Db> ? Db : never;

/** True when `store` can run `ctx.transaction`. */
export function isTransactionalStore(store: DedupeStore): store is TransactionalStore<unknown> {
  return typeof (store as Partial<TransactionalStore<unknown>>).transactOnce === 'function';
}
