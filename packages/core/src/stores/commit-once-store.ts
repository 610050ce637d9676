import type { DedupeStore, OwnerOption } from './dedupe-store.js';

/**
 * What `ctx.commitOnce` resolves to: whether this call wrote the statements, and their results
 * when it did.
 */
export interface CommitOnceOutcome<R = unknown> {
  /**
   * True when this call committed the statements; false when an earlier delivery of the same
   * webhook already did (a redelivery after a crash or after a later failure), and nothing
   * was written now.
   */
  readonly applied: boolean;
  /** Each statement's result, in order (D1: a `D1Result`), when `applied`; empty otherwise. */
  readonly results: readonly R[];
}

/**
 * The statements `ctx.commitOnce` takes: an array of statements prepared on the store's
 * database, or a function that prepares them on the `db` it is given (the store's own, so
 * that they cannot come from another database). The function runs once, synchronously, before
 * the write: read what you need before the call.
 */
export type CommitOnceStatements<Db, S = unknown> = readonly S[] | ((db: Db) => readonly S[]);

/**
 * A {@link DedupeStore} on a database that cannot hold a transaction open while a handler runs
 * (Cloudflare D1), but can commit a list of prepared statements atomically: it commits a
 * webhook's statements and the record of its effect in one such write. Handlers reach it
 * through `ctx.commitOnce(statements)`; `Db` is the database binding the statements are
 * prepared on.
 */
export interface CommitOnceStore<Db> extends DedupeStore {
  /**
   * Commits `statements` and the record that webhook `id` took effect, in one atomic write,
   * unless that record exists already: then nothing is written and `applied` is false. With an
   * `owner`, a call whose claim on `id` another owner holds now (it was taken over after this
   * delivery's lease ended) writes nothing and rejects with a `WebhookBusyError`. If a
   * statement fails, nothing is written and its error is thrown.
   */
  commitOnce(
    id: string,
    statements: CommitOnceStatements<Db>,
    options?: OwnerOption,
  ): Promise<CommitOnceOutcome>;
}

/** True when `store` can run `ctx.commitOnce`. */
export function isCommitOnceStore(store: DedupeStore): store is CommitOnceStore<unknown> {
  return typeof (store as Partial<CommitOnceStore<unknown>>).commitOnce === 'function';
}
