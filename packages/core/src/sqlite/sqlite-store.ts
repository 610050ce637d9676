import { ConfigurationError } from '../errors/configuration-error.js';
import { StoreUnavailableError } from '../errors/store-unavailable-error.js';
import type { KnownOptions } from '../options/refuse-unknown-options.js';
import { refuseUnknownOptions } from '../options/refuse-unknown-options.js';
import { DEFAULT_RETENTION_MS } from '../stores/dedupe-store.js';
import { transactOnce } from '../stores/transaction/transact-once.js';
import type { TransactionalStore } from '../stores/transactional-store.js';
import { retryWhileBusy } from './sqlite-busy.js';
import { type SqliteRunner, sqliteClaims } from './sqlite-claims.js';
import { sqliteDeadLetters } from './sqlite-dead-letters.js';
import type { SqliteDriver } from './sqlite-driver.js';
import { sqliteSchemaSql, sqliteTables } from './sqlite-schema.js';
import { sqliteTransactionDialect } from './sqlite-transaction-dialect.js';

/** Options of {@link sqliteStore}. */
export interface SqliteStoreOptions<Tx extends object = object> {
  /** How the store reaches the database: `libsqlDriver`, `betterSqlite3Driver`, `nodeSqliteDriver` or `bunSqliteDriver`. */
  driver: SqliteDriver<Tx>;
  /**
   * Table of webhook ids. Letters, digits and underscores, optionally `schema.`-qualified (an
   * attached database).
   * @default 'passfort_webhook_ids'
   */
  table?: string;
  /** Table of dead letters. @default 'passfort_webhook_dead_letters' */
  deadLetterTable?: string;
  /**
   * Table of `ctx.transaction`'s effect records.
   * @default 'passfort_webhook_effects', or `${table}_effects` when `table` is set
   */
  effectTable?: string;
  /**
   * How long a completed id is remembered. A dead-lettered id is remembered, with its effect
   * record, for as long as its dead letter exists.
   * @default 7 days
   */
  retentionMs?: number;
  /**
   * How long a statement waits for the database's write lock, held by another connection
   * (another process, or a `ctx.transaction` of this one), before the store reports itself
   * unavailable (503; Passfort redelivers). The wait is asynchronous: the event loop runs on.
   * @default 5_000
   */
  busyTimeoutMs?: number;
  /**
   * How long a `ctx.transaction` waits for the write lock (another transaction of this id or
   * of any other, SQLite having one writer) before failing, so that the webhook is retried.
   * @default 60_000
   */
  transactionLockWaitMs?: number;
  /** How often expired ids are deleted, in the background (0 turns it off; call `prune()`). @default 600_000 */
  pruneIntervalMs?: number;
}

const SQLITE_STORE_OPTIONS = {
  driver: true,
  table: true,
  deadLetterTable: true,
  effectTable: true,
  retentionMs: true,
  busyTimeoutMs: true,
  transactionLockWaitMs: true,
  pruneIntervalMs: true,
} as const satisfies KnownOptions<SqliteStoreOptions>;

/** The SQLite store: a {@link DedupeStore} with `ctx.transaction` (`Tx`: the driver's connection). */
export interface SqliteStore<Tx extends object = object> extends TransactionalStore<Tx> {
  /**
   * Turns on WAL (readers never wait for the writer; several processes share the file), and
   * creates the tables and indexes if they do not exist. Run it once at start-up or deploy.
   */
  migrate(): Promise<void>;
  /** Deletes ids whose retention has passed; returns how many. */
  prune(): Promise<number>;
}

/**
 * A {@link DedupeStore} on SQLite: a local file shared by the processes of one machine (WAL),
 * or a Turso database through libsql. Exactly-once effects with `ctx.transaction`, as on
 * Postgres. Tables are created by an explicit `migrate()` (or {@link sqliteSchemaSql}).
 *
 * @example
 * import { createClient } from '@libsql/client';
 * import { libsqlDriver, sqliteStore } from '@passfort-webhooks/core/sqlite';
 * const store = sqliteStore({ driver: libsqlDriver({ client: createClient({ url: 'file:webhooks.db' }) }) });
 * await store.migrate();
 */
export function sqliteStore<Tx extends object>(options: SqliteStoreOptions<Tx>): SqliteStore<Tx> {
  refuseUnknownOptions('sqliteStore', options, SQLITE_STORE_OPTIONS);
  const { driver } = options;
  if (typeof driver?.query !== 'function' || typeof driver.connect !== 'function') {
    throw new ConfigurationError(
      "sqliteStore needs a driver: sqliteStore({ driver: libsqlDriver({ client }) }) (or betterSqlite3Driver, nodeSqliteDriver, bunSqliteDriver from '@passfort-webhooks/core/sqlite')",
    );
  }
  const t = sqliteTables(
    options.table,
    options.deadLetterTable,
    options.effectTable ?? (options.table === undefined ? undefined : `${options.table}_effects`),
  );
  const retentionMs = options.retentionMs ?? DEFAULT_RETENTION_MS;
  const busyTimeoutMs = options.busyTimeoutMs ?? 5_000;
  const lockWaitMs = options.transactionLockWaitMs ?? 60_000;
  const pruneIntervalMs = options.pruneIntervalMs ?? 600_000;

  /** A missing table is the usual first-run mistake: say how to fix it. */
  function explained(error: unknown): unknown {
    const text = error instanceof Error ? error.message : String(error);
    if (/no such table/i.test(text)) {
      return new StoreUnavailableError(
        `The dedupe tables ${t.ids} / ${t.deadLetters} / ${t.effects} do not exist: did you call \`await store.migrate()\` (or apply sqliteSchemaSql()) at start-up?`,
        { cause: error },
      );
    }
    if (/no such column|has no column/i.test(text)) {
      return new StoreUnavailableError(
        `The dedupe table ${t.ids} lacks a column this version uses: run \`await store.migrate()\` again after upgrading`,
        { cause: error },
      );
    }
    return error;
  }
  const guarded = async <T>(work: (waitedMs: number) => Promise<T>): Promise<T> => {
    try {
      return await retryWhileBusy(busyTimeoutMs, work);
    } catch (error) {
      throw explained(error);
    }
  };
  const db: SqliteRunner = {
    query: (sql, args) =>
      guarded((waited) => driver.query(sql, typeof args === 'function' ? args(waited) : args)),
    batch: (statements, batchOptions) => guarded(() => driver.batch(statements, batchOptions)),
  };

  const claims = sqliteClaims(db, t, retentionMs);
  const letters = sqliteDeadLetters(db, t, retentionMs);
  const dialect = sqliteTransactionDialect(driver, t, () => claims.leaseMs, explained);
  const lockPrefix = `${t.ids}\u0000`;

  let timer: ReturnType<typeof setInterval> | undefined;
  if (pruneIntervalMs > 0) {
    timer = setInterval(() => {
      letters.prune().catch(() => {}); // the next run tries again; expired rows are never read as done
    }, pruneIntervalMs);
    timer.unref?.();
  }

  return {
    async migrate() {
      // WAL is a property of the file: set once, every later connection uses it.
      await guarded(() => driver.query('PRAGMA journal_mode = WAL'));
      await guarded(() => driver.exec(sqliteSchemaSql(t.ids, t.deadLetters, t.effects)));
    },
    prune: letters.prune,
    claim: claims.claim,
    complete: claims.complete,
    release: claims.release,
    renew: claims.renew,
    addDeadLetter: letters.addDeadLetter,
    processedSince: letters.processedSince,
    listDeadLetters: letters.listDeadLetters,
    getDeadLetter: letters.getDeadLetter,
    deleteDeadLetter: letters.deleteDeadLetter,
    countDeadLetters: letters.countDeadLetters,
    async transactOnce(id, effect, transactionOptions) {
      const value = await transactOnce(
        dialect,
        { lockWaitMs, lockPrefix },
        id,
        effect as (tx: Tx) => Promise<never>,
        transactionOptions,
      );
      claims.effectCommitted(id);
      return value;
    },
    async close() {
      clearInterval(timer);
      await driver.close();
    },
  };
}
