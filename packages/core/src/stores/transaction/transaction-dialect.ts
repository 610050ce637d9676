import type { TransactionIsolation } from '../transactional-store.js';

/**
 * What `ctx.transaction` needs from a SQL database, written once per database: the SQL of
 * each step {@link transactOnce} takes (its doc lists the steps and why they come in that
 * order). Postgres, MySQL and SQLite each give one; the algorithm is never written twice.
 *
 * Taken one by one, the steps cost 8 round trips besides `fn`'s own. A dialect that can carry
 * several steps in one trip gives {@link TransactionDialect.lockReadAndBegin} and
 * {@link TransactionDialect.recordCommitAndUnlock}: the same steps in the same order, in fewer
 * trips (Postgres: one before `fn` and one after it, several statements in one message; MySQL:
 * 4 and 3, a statement carrying two steps where it can). The round trips, not the statements,
 * were most of what `ctx.transaction` cost over a hand-written transaction (issue 40,
 * BENCHMARKS.md).
 */
export interface TransactionDialect<C extends object> {
  /** A connection of the store's pool. */
  connect(): Promise<C>;
  /** Gives the connection back; `discard` closes it instead (its state is unknown or was changed). */
  release(connection: C, discard: boolean): void;
  /** Takes the lock named `key` for this session, without waiting; true when taken. */
  tryLock(connection: C, key: string): Promise<boolean>;
  unlock(connection: C, key: string): Promise<void>;
  /**
   * Reads, outside any transaction, whether the effect of `id` was committed, its value, and
   * the owner holding the id's claim (undefined: nobody, or a claim without one).
   */
  readEffect(connection: C, id: string): Promise<EffectSeen>;
  /** Begins a transaction at `isolation`. */
  begin(connection: C, isolation: TransactionIsolation): Promise<void>;
  /** The connection's {@link TransactionMarks} now. */
  marks(connection: C): Promise<TransactionMarks>;
  /**
   * Whether the transaction marked `transaction` (by {@link marks}, before `fn`) committed or
   * rolled back, once it ended; `'unknown'` where the database cannot say (MySQL).
   */
  outcomeOf(
    connection: C,
    transaction: string | undefined,
  ): Promise<'committed' | 'aborted' | 'unknown'>;
  /**
   * The statements `fn` may not send through `tx`, because they end or replace the
   * transaction: checked on each query's text before it is sent (the after-check in
   * {@link transactOnce} is the net for what slips past, e.g. a dynamic EXECUTE).
   */
  readonly forbidden: RegExp;
  /**
   * Inserts the effect record; with an `owner`, only if no other owner holds the id's claim:
   * false when refused (nothing inserted).
   */
  record(connection: C, id: string, result: string | null, owner?: string): Promise<boolean>;
  commit(connection: C): Promise<void>;
  /**
   * Rolls back. `'kept-writes'` when the database says some writes could not be rolled back
   * (MySQL's warning 1196: a MyISAM, MEMORY or Aria table was written): they happened.
   */
  rollback(connection: C): Promise<'kept-writes' | undefined>;
  /**
   * Optional: {@link rollback} and {@link unlock} in one message, for a dialect whose lock
   * belongs to the session. Behind a pooler that gives each transaction a server connection
   * of its own (PgBouncer in transaction mode), an unlock sent after the rollback can reach
   * another server connection, and the lock stays held where the webhook's next delivery
   * waits for it. The lock is given back even when the rollback finds no transaction.
   */
  rollbackAndUnlock?(connection: C, key: string): Promise<void>;
  /**
   * True when a rollback also undoes the session settings made in the transaction (Postgres:
   * `SET` in a transaction that rolls back is undone). Otherwise (MySQL) a connection whose
   * {@link recordCommitAndUnlock} refused or failed is closed rather than reused, since fn may
   * have changed its session and no marks were compared.
   */
  readonly settingsRollBack?: boolean;
  /** True for a serialization failure or a deadlock: everything was rolled back. */
  isRetryable(error: unknown): boolean;
  /** Turns a driver error into the store's own (a missing table says how to fix it). */
  explain(error: unknown): unknown;
  /**
   * Optional, with {@link recordCommitAndUnlock}: {@link tryLock}, {@link readEffect},
   * {@link begin} and {@link marks} in one round trip, with the same order and meaning (the
   * effect is read after the lock and outside `fn`'s transaction, which is begun after that
   * read). When it answers `locked: true`, the lock is held and `fn`'s transaction is open
   * (roll it back when the effect turns out recorded); on `locked: false` nothing is held
   * and no transaction is open. A dialect without it takes the steps one by one.
   */
  lockReadAndBegin?(
    connection: C,
    key: string,
    id: string,
    isolation: TransactionIsolation,
  ): Promise<{ locked: false } | { locked: true; seen: EffectSeen; before: TransactionMarks }>;
  /**
   * Optional, with {@link lockReadAndBegin}: after `fn` succeeded with a recordable result,
   * {@link marks}, {@link record} (with `owner`), {@link commit} and {@link unlock} in one
   * round trip, with the same outcomes as those steps taken one by one:
   * - `committed`: the transaction was still `before`'s, the record was inserted, both
   *   committed, the lock given back;
   * - `refused`: another owner holds the claim: nothing was inserted or committed, the
   *   transaction is open (roll it back) and the lock held;
   * - `ended`: `fn` ended the transaction itself; what it wrote is committed unless the
   *   database says it was rolled back (`recorded: false`: nothing recorded either), else
   *   the record was committed after it (`recorded: true`), as {@link transactOnce} does
   *   step by step; the lock was given back.
   */
  recordCommitAndUnlock?(
    connection: C,
    key: string,
    id: string,
    result: string | null,
    owner: string | undefined,
    before: TransactionMarks,
  ): Promise<
    | { outcome: 'committed'; after: TransactionMarks }
    | { outcome: 'refused' }
    | { outcome: 'ended'; after: TransactionMarks; recorded: boolean }
  >;
}

/** What {@link TransactionDialect.readEffect} tells. */
export interface EffectSeen {
  readonly committed: boolean;
  readonly result: unknown;
  readonly holder?: string | undefined;
}

/**
 * What tells whether `fn` ended the transaction or changed the session: compared before and
 * after `fn`. `transaction` identifies the open transaction (undefined: not told apart);
 * `session` sums up the session's settings.
 */
export interface TransactionMarks {
  readonly transaction: string | undefined;
  readonly session: string;
}

/** Limits of {@link transactOnce}. */
export interface TransactOnceLimits {
  /** How long a run waits for another run of the same id to finish its transaction. */
  readonly lockWaitMs: number;
  /** Prefix of the lock names, unique to the store's tables. */
  readonly lockPrefix: string;
}
