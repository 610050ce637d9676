import { ConfigurationError } from '../errors/configuration-error.js';
import { resolveLogger } from '../observability/console-logger.js';
import type { Logger } from '../observability/logger.js';
import { type KnownOptions, refuseUnknownOptions } from '../options/refuse-unknown-options.js';
import { DEFAULT_RETENTION_MS } from '../stores/dedupe-store.js';
import { transactOnce } from '../stores/transaction/transact-once.js';
import type { TransactionalStore } from '../stores/transactional-store.js';
import { mysqlClaims } from './mysql-claims.js';
import { mysqlDeadLetters } from './mysql-dead-letters.js';
import { mysqlMigrator } from './mysql-migrator.js';
import type { MysqlConnectionOf, MysqlPool, MysqlPoolConnection } from './mysql-pool.js';
import { surviveConnectionErrors } from './mysql-pool-errors.js';
import { explainMysqlError, mysqlQuery } from './mysql-query.js';
import { mysqlSchemaSql } from './mysql-schema.js';
import { type MysqlTables, mysqlStatements } from './mysql-statements.js';
import { mysqlTransactionDialect } from './mysql-transaction-dialect.js';

/** The options it accepts: an unknown one is refused (see `refuseUnknownOptions`). */
const MYSQL_STORE_OPTIONS = {
  pool: true,
  table: true,
  deadLetterTable: true,
  effectTable: true,
  retentionMs: true,
  transactionLockWaitMs: true,
  pruneIntervalMs: true,
  logger: true,
} as const satisfies KnownOptions<MysqlStoreOptions>;

/** Options of {@link mysqlStore}. */
export interface MysqlStoreOptions<P extends MysqlPool = MysqlPool> {
  /**
   * A `mysql2/promise` Pool (`mysql.createPool(...)`). It stays yours: `close()` does not end
   * it. `ctx.transaction` runs on connections of this pool.
   */
  pool: P;
  /**
   * Table of webhook ids. Letters, digits and underscores, optionally database-qualified.
   * @default 'passfort_webhook_ids'
   */
  table?: string;
  /** Table of dead letters. @default 'passfort_webhook_dead_letters' */
  deadLetterTable?: string;
  /**
   * Table of `ctx.transaction`'s effect records: one row per webhook whose transaction
   * committed, kept as long as its id is remembered or a dead letter of it exists.
   * @default 'passfort_webhook_effects', or `${table}_effects` when `table` is set
   */
  effectTable?: string;
  /**
   * How long a completed id is remembered. A dead-lettered id is remembered, with its effect
   * record, for as long as its dead letter exists, whatever this says.
   * @default 7 days
   */
  retentionMs?: number;
  /**
   * How long a `ctx.transaction` waits for another run of the same webhook to finish its
   * transaction before failing, so that the webhook is retried. The wait polls a named lock
   * (`GET_LOCK(name, 0)`) without holding a pool connection or a server thread.
   * @default 60_000
   */
  transactionLockWaitMs?: number;
  /**
   * How often expired ids are deleted, in the background (0 turns it off; call `prune()`).
   * @default 600_000
   */
  pruneIntervalMs?: number;
  /** Where a pool connection's failure is reported; `false` for nowhere. @default the console */
  logger?: Logger | false;
}

/** The MySQL / MariaDB store: a transactional {@link DedupeStore} plus its schema management. */
export interface MysqlStore<Connection = unknown> extends TransactionalStore<Connection> {
  /**
   * Creates the tables if they do not exist, adds the columns an earlier version lacked, and
   * refuses tables on an engine that cannot roll back. Run it once, at deploy time, before the
   * new version receives webhooks.
   */
  migrate(): Promise<void>;
  /** Deletes ids whose retention has passed; returns how many. */
  prune(): Promise<number>;
}

/**
 * A {@link DedupeStore} on MySQL 8 or MariaDB 10.5+ through `mysql2`, with `ctx.transaction`.
 * A batch claim is one `INSERT … ON DUPLICATE KEY UPDATE` plus one read (on MariaDB, one
 * `INSERT … RETURNING`), whatever the batch size; row locks make exactly one concurrent
 * claimer win each id, recognised by a token unique to its claim. Times are the database's clock. Tables are created by an explicit
 * `migrate()` (or the statements of {@link mysqlSchemaSql}), never on a request.
 *
 * @example
 * import mysql from 'mysql2/promise';
 * import { mysqlStore } from '@passfort-webhooks/core/mysql';
 * const store = mysqlStore({ pool: mysql.createPool(process.env.DATABASE_URL!) });
 * await store.migrate();
 */
export function mysqlStore<P extends MysqlPool>(
  options: MysqlStoreOptions<P>,
): MysqlStore<MysqlConnectionOf<P>> {
  refuseUnknownOptions('mysqlStore', options, MYSQL_STORE_OPTIONS);
  if (
    typeof options?.pool?.query !== 'function' ||
    typeof options.pool.getConnection !== 'function'
  ) {
    throw new ConfigurationError(
      "mysqlStore needs a mysql2 promise Pool: mysqlStore({ pool: mysql.createPool(url) }) with mysql from 'mysql2/promise'",
    );
  }
  const { pool } = options;
  const logger = resolveLogger(options.logger);
  surviveConnectionErrors(pool, logger);
  const table = options.table ?? 'passfort_webhook_ids';
  const deadTable = options.deadLetterTable ?? 'passfort_webhook_dead_letters';
  // Beside a table of another name, its own effects table: two stores never share records.
  const effectTable =
    options.effectTable ??
    (options.table === undefined ? 'passfort_webhook_effects' : `${table}_effects`);
  const schema = mysqlSchemaSql(table, deadTable, effectTable);
  const retentionMs = options.retentionMs ?? DEFAULT_RETENTION_MS;
  const pruneIntervalMs = options.pruneIntervalMs ?? 600_000;
  const lockWaitMs = options.transactionLockWaitMs ?? 60_000;
  const retentionUs = retentionMs * 1000;

  const tables: MysqlTables = { table, deadTable, effectTable };
  const sql = mysqlStatements(tables);
  const query = mysqlQuery(pool, tables);
  const { migrate, enginesSafe } = mysqlMigrator(pool, query, tables, schema);
  const dialect = mysqlTransactionDialect({
    pool,
    query,
    sql,
    enginesSafe,
    explain: (error) => explainMysqlError(error, tables),
  });
  const lockPrefix = `${table}\u0000`;

  /**
   * Deletes the ids whose retention passed, and effect records whose id is no longer
   * remembered. An id with a dead letter stays whatever its expiry says (a table from an
   * earlier version may not have it pinned yet), and so does its effect record: a replay of
   * the letter must find it.
   */
  async function prune(): Promise<number> {
    const result = await query(sql.pruneIds);
    await query(sql.pruneEffects, [retentionUs]);
    return result.affectedRows ?? 0;
  }

  let timer: ReturnType<typeof setInterval> | undefined;
  if (pruneIntervalMs > 0) {
    timer = setInterval(() => {
      prune().catch(() => {}); // the next run tries again; expired rows are never read as done
    }, pruneIntervalMs);
    timer.unref?.();
  }

  return {
    migrate,
    prune,
    ...mysqlClaims({ query, sql, retentionUs, enginesSafe }),
    ...mysqlDeadLetters({ pool, query, sql, retentionUs }),
    transactOnce(id, effect, options) {
      return transactOnce(
        dialect,
        { lockWaitMs, lockPrefix },
        id,
        effect as (tx: MysqlPoolConnection) => Promise<never>,
        options,
      );
    },
    close() {
      if (timer !== undefined) clearInterval(timer);
    },
  };
}
