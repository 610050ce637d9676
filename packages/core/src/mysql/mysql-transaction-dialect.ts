import { createHash } from 'node:crypto';
import { recordedResult } from '../stores/transaction/recordable-result.js';
import type { TransactionDialect } from '../stores/transaction/transaction-dialect.js';
import type { MysqlPool, MysqlPoolConnection } from './mysql-pool.js';
import type { MysqlQuery } from './mysql-query.js';
import type { MysqlStatements } from './mysql-statements.js';

/** What {@link mysqlTransactionDialect} runs on. */
export interface MysqlDialectParts {
  readonly pool: MysqlPool;
  readonly query: MysqlQuery;
  readonly sql: MysqlStatements;
  /** Waited for before the first connection: the tables must be able to roll back. */
  readonly enginesSafe: () => Promise<void>;
  /** A failed statement as the store explains it (a missing table or column). */
  readonly explain: (error: unknown) => unknown;
}

/**
 * How `ctx.transaction` runs on MySQL / MariaDB: connections of the pool, a named lock
 * (`GET_LOCK(name, 0)`, polled) per webhook, and the effect record in the store's effects table.
 */
export function mysqlTransactionDialect({
  pool,
  query,
  sql,
  enginesSafe,
  explain,
}: MysqlDialectParts): TransactionDialect<MysqlPoolConnection> {
  let sessionMarks: string | undefined;
  /** @@in_transaction is MariaDB's; MySQL 8 has no such variable, and is not told apart then. */
  async function marksSql(connection: MysqlPoolConnection): Promise<string> {
    if (sessionMarks === undefined) {
      const inTransaction = await query('SELECT @@in_transaction', [], connection).then(
        () => '@@in_transaction',
        () => 'NULL',
      );
      sessionMarks = `SELECT ${inTransaction} AS pfw_transaction, CONCAT_WS('|', CURRENT_USER(), @@autocommit,
  @@sql_mode, @@time_zone, @@foreign_key_checks, @@unique_checks, @@character_set_client,
  @@collation_connection, @@innodb_lock_wait_timeout, @@lock_wait_timeout) AS pfw_session`;
    }
    return sessionMarks;
  }
  async function marks(connection: MysqlPoolConnection) {
    const [row] = await query<{ pfw_transaction: unknown; pfw_session: unknown }>(
      await marksSql(connection),
      [],
      connection,
    );
    return {
      transaction: row?.pfw_transaction == null ? undefined : String(row.pfw_transaction),
      session: String(row?.pfw_session),
    };
  }

  return {
    async connect() {
      await enginesSafe();
      return pool.getConnection();
    },
    release(connection, discard) {
      if (discard) connection.destroy();
      else connection.release();
    },
    async tryLock(connection, key) {
      const [row] = await query<{ locked: number | null }>(
        'SELECT GET_LOCK(?, 0) AS locked',
        [lockName(key)],
        connection,
      );
      return Number(row?.locked) === 1;
    },
    async unlock(connection, key) {
      await query('SELECT RELEASE_LOCK(?)', [lockName(key)], connection);
    },
    async readEffect(connection, id) {
      // The claim's holder in the same read: no round trip added to see a taken-over claim.
      const [row] = await query<{ committed: number; result: string | null; holder: unknown }>(
        sql.readEffect,
        [id, id],
        connection,
      );
      const holder = typeof row?.holder === 'string' ? row.holder : undefined;
      return Number(row?.committed) !== 1
        ? { committed: false, result: undefined, holder }
        : { committed: true, result: recordedResult(row!.result), holder };
    },
    async begin(connection, isolation) {
      // For the next transaction only: the session's own level is left as the app set it.
      await connection.query(`SET TRANSACTION ISOLATION LEVEL ${isolation.toUpperCase()}`);
      await connection.beginTransaction();
    },
    marks,
    async outcomeOf() {
      return 'unknown'; // MySQL keeps no record of an ended transaction's outcome
    },
    // Statements that end the transaction, or commit it implicitly (DDL, LOCK TABLES, a
    // nested BEGIN): https://mariadb.com/kb/en/sql-statements-that-cause-an-implicit-commit/
    forbidden:
      /^(?:BEGIN|START\s+TRANSACTION|COMMIT|ROLLBACK(?!\s+TO)|XA\s|LOCK\s+TABLES?|UNLOCK\s+TABLES?|SET\s+(?:(?:SESSION|@@SESSION\.|@@)\s*)?autocommit|(?:CREATE|ALTER|DROP|RENAME|TRUNCATE)\s|(?:ANALYZE|OPTIMIZE|REPAIR|CHECK)\s+TABLE|FLUSH\s|LOAD\s+(?:DATA|INDEX)|GRANT\s|REVOKE\s)/i,
    async record(connection, id, result, owner) {
      // Refused (nothing inserted) when another owner holds the claim now.
      const inserted = await query(sql.recordEffect, [id, result, id, owner ?? null], connection);
      return (inserted.affectedRows ?? 0) > 0;
    },
    async commit(connection) {
      await connection.commit();
    },
    async rollback(connection): Promise<'kept-writes' | undefined> {
      await connection.rollback();
      const warnings = await query<{ Code: number }>('SHOW WARNINGS', [], connection);
      // 1196: "Some non-transactional changed tables couldn't be rolled back"
      return warnings.some((warning) => Number(warning.Code) === 1196) ? 'kept-writes' : undefined;
    },
    isRetryable(error) {
      const errno = (error as { errno?: unknown } | null)?.errno;
      return errno === 1213 || errno === 1020; // deadlock; record changed since read (MariaDB)
    },
    explain,
  };
}

/** A named lock for a lock key: MySQL's names are at most 64 characters, so a digest of it. */
function lockName(key: string): string {
  return `pfw:${createHash('sha1').update(key).digest('hex')}`;
}
