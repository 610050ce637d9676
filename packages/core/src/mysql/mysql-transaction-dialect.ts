import { createHash } from 'node:crypto';
import { recordedResult } from '../stores/transaction/recordable-result.js';
import type {
  EffectSeen,
  TransactionDialect,
  TransactionMarks,
} from '../stores/transaction/transaction-dialect.js';
import type { TransactionIsolation } from '../stores/transactional-store.js';
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
  /**
   * The SQL of the marks: the open transaction and the session's settings. Asked once, on the
   * first connection; with the statements built from them.
   *
   * The transaction's mark is MariaDB's @@in_transaction with @@autocommit: a flag, which a
   * transaction that ended and another that began since (by statements that slip past the
   * check: a prepared SET autocommit = 0 then prepared DDL, then any statement) would leave
   * as it was; autocommit changed says that may have happened, and transactOnce then takes
   * the transaction as ended (its writes kept, so the effect is recorded). A COMMIT and a
   * START TRANSACTION inside a stored procedure leave both unchanged: not told apart (README).
   * MySQL 8 has no @@in_transaction: its transactions are not told apart at all.
   */
  let built: Promise<MarkStatements> | undefined;
  function markStatements(connection: MysqlPoolConnection): Promise<MarkStatements> {
    built ??= query('SELECT @@in_transaction LIMIT 1', [], connection)
      .then(
        () => true,
        (error: unknown) => {
          if ((error as { errno?: unknown } | null)?.errno === ER_UNKNOWN_SYSTEM_VARIABLE) {
            return false;
          }
          built = undefined; // a lost connection: asked again
          throw error;
        },
      )
      .then((mariadb) => {
        const transaction = mariadb ? "CONCAT(@@in_transaction, '|', @@autocommit)" : 'NULL';
        // The mark the transaction begun next will have (START TRANSACTION sets the flag).
        const begun = mariadb ? "CONCAT('1|', @@autocommit)" : 'NULL';
        // What a handler could set that the pool's next user would inherit, or that would
        // change the store's own statements (a SELECT limit without LIMIT 1, which every
        // SELECT here has, would read GET_LOCK's answer as none).
        // The session's isolation level is MariaDB's only: on MySQL 8 the level set for the
        // next transaction may read as the session's.
        const session = `CONCAT_WS('|', CURRENT_USER(), @@autocommit, @@sql_mode, @@time_zone,
  @@foreign_key_checks, @@unique_checks, @@character_set_client, @@character_set_results,
  @@collation_connection, @@innodb_lock_wait_timeout, @@lock_wait_timeout, @@sql_select_limit,
  @@sql_safe_updates, ${
    mariadb
      ? '@@tx_read_only, @@tx_isolation, @@max_statement_time'
      : '@@transaction_read_only, @@max_execution_time'
  })`;
        const columns = `${transaction} AS pfw_transaction, ${session} AS pfw_session`;
        return {
          marks: `SELECT ${columns} LIMIT 1`,
          readEffectAndMarks: sql.readEffectWith(
            `, ${begun} AS pfw_transaction, ${session} AS pfw_session`,
          ),
          // Compared as bytes: a case-insensitive collation must not call a changed session equal.
          recordWhileMarked: sql.recordEffectIf(
            `${transaction} <=> ? AND CAST(${session} AS BINARY) = CAST(? AS BINARY)`,
          ),
        };
      });
    return built;
  }
  async function marks(connection: MysqlPoolConnection): Promise<TransactionMarks> {
    const [row] = await query<MarksRow>((await markStatements(connection)).marks, [], connection);
    return marksOf(row);
  }
  async function begin(connection: MysqlPoolConnection, isolation: TransactionIsolation) {
    // For the next transaction only: the session's own level is left as the app set it.
    await connection.query(`SET TRANSACTION ISOLATION LEVEL ${isolation.toUpperCase()}`);
    await connection.beginTransaction();
  }
  async function tryLock(connection: MysqlPoolConnection, key: string) {
    const [row] = await query<{ locked: number | null }>(
      'SELECT GET_LOCK(?, 0) AS locked LIMIT 1',
      [lockName(key)],
      connection,
    );
    return Number(row?.locked) === 1;
  }
  async function unlock(connection: MysqlPoolConnection, key: string) {
    // DO, not SELECT: no result to send (0.14 against 0.37 ms after a COMMIT, measured).
    await query('DO RELEASE_LOCK(?)', [lockName(key)], connection);
  }
  async function record(
    connection: MysqlPoolConnection,
    id: string,
    result: string | null,
    owner?: string,
  ) {
    // Refused (nothing inserted) when another owner holds the claim now.
    const inserted = await query(
      sql.recordEffect,
      [id, resultParameter(result), id, owner ?? null],
      connection,
    );
    return (inserted.affectedRows ?? 0) > 0;
  }
  /**
   * The commit and the unlock after it. The commit done, the effect is recorded: an unlock that
   * fails then is not the run's failure. The session holding the lock must not be reused (closing
   * it frees the lock): its marks are returned as unknown, which no session's equal.
   */
  async function commitAndUnlock(
    connection: MysqlPoolConnection,
    key: string,
    after: TransactionMarks,
  ): Promise<TransactionMarks> {
    await connection.commit();
    return unlock(connection, key).then(
      () => after,
      () => ({ transaction: after.transaction, session: UNKNOWN_SESSION }),
    );
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
    tryLock,
    unlock,
    async readEffect(connection, id) {
      // The claim's holder in the same read: no round trip added to see a taken-over claim.
      const [row] = await query<EffectRow>(sql.readEffect, [id, id], connection);
      return effectOf(row);
    },
    begin,
    marks,
    async outcomeOf() {
      return 'unknown'; // MySQL keeps no record of an ended transaction's outcome
    },
    // Statements that end the transaction, or commit it implicitly (DDL, LOCK TABLES, a
    // nested BEGIN): https://mariadb.com/kb/en/sql-statements-that-cause-an-implicit-commit/
    forbidden:
      /^(?:BEGIN|START\s+TRANSACTION|COMMIT|ROLLBACK(?!\s+TO)|XA\s|LOCK\s+TABLES?|UNLOCK\s+TABLES?|SET\s+(?:(?:SESSION|@@SESSION\.|@@)\s*)?autocommit|(?:CREATE|ALTER|DROP|RENAME|TRUNCATE)\s|(?:ANALYZE|OPTIMIZE|REPAIR|CHECK)\s+TABLE|FLUSH\s|LOAD\s+(?:DATA|INDEX)|GRANT\s|REVOKE\s)/i,
    record,
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
    // Without several statements in one message (mysql2 sends them only on a pool made with
    // multipleStatements, which no store should ask an app for), the trips are cut where one
    // statement can carry two steps: the session's marks come with the effect's read, and after
    // fn, the record is inserted only while they are unchanged, so only a refused insert needs
    // them read again. 4 trips before fn (lock; read and marks; isolation; begin) instead of 5,
    // and 3 after it (record; commit; unlock) instead of 4.
    async lockReadAndBegin(connection, key, id, isolation) {
      if (!(await tryLock(connection, key))) return { locked: false };
      const statements = await markStatements(connection);
      const [row] = await query<EffectRow & MarksRow>(
        statements.readEffectAndMarks,
        [id, id],
        connection,
      );
      await begin(connection, isolation);
      // The marks the transaction will have once begun (see markStatements): beginning one
      // changes no setting of the session's.
      return { locked: true, seen: effectOf(row), before: marksOf(row) };
    },
    async recordCommitAndUnlock(connection, key, id, result, owner, before) {
      const statements = await markStatements(connection);
      const inserted = await query(
        statements.recordWhileMarked,
        [
          id,
          resultParameter(result),
          before.transaction ?? null,
          before.session,
          id,
          owner ?? null,
        ],
        connection,
      );
      if ((inserted.affectedRows ?? 0) > 0) {
        return { outcome: 'committed', after: await commitAndUnlock(connection, key, before) };
      }
      // Nothing inserted: another owner holds the claim, or fn changed the session or ended the
      // transaction. The marks tell whether the transaction is still fn's; then the steps are
      // those transactOnce takes one by one (the record asked again, with the owner's check
      // alone: refused only when another owner holds the claim).
      const after = await marks(connection);
      if (after.transaction === before.transaction) {
        if (!(await record(connection, id, result, owner))) return { outcome: 'refused' };
        return { outcome: 'committed', after: await commitAndUnlock(connection, key, after) };
      }
      // fn ended the transaction (DDL's implicit commit): what it wrote is committed (MySQL
      // cannot say it was rolled back), so the record is too, whoever holds the claim now.
      await record(connection, id, result);
      return {
        outcome: 'ended',
        after: await commitAndUnlock(connection, key, after),
        recorded: true,
      };
    },
  };
}

/** The SQL of {@link TransactionMarks} and of the statements that carry them. */
interface MarkStatements {
  readonly marks: string;
  /** Values: the id twice. Read before fn's transaction begins, its marks are those it will have. */
  readonly readEffectAndMarks: string;
  /** Values: the id, the result, the marks' transaction and session, the id, the owner. */
  readonly recordWhileMarked: string;
}

interface MarksRow {
  pfw_transaction: unknown;
  pfw_session: unknown;
}

interface EffectRow {
  committed: number;
  result: string | null;
  holder: unknown;
}

const ER_UNKNOWN_SYSTEM_VARIABLE = 1193;

/**
 * A recorded result as the statement's parameter: its JSON with every character past ASCII
 * escaped (`\u00e9`), in hex digits (the statement unhexes it). Sent on fn's connection, whose
 * session fn may have changed: a literal escaped by the driver is misread under
 * NO_BACKSLASH_ESCAPES, and a character the connection's or the column's character set cannot
 * hold (an emoji on latin1) is stored as `?`. Either way the record would not read back, and the
 * webhook would fail on every delivery after it. ASCII reads back the same in any of them.
 */
function resultParameter(result: string | null): string | null {
  if (result === null) return null;
  const ascii = result.replace(/[\u007f-\uffff]/g, (char) => {
    return `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`;
  });
  return Buffer.from(ascii, 'latin1').toString('hex');
}

/** What no session's marks are: a session whose unlock failed is never reused. */
const UNKNOWN_SESSION = '\u0000unknown';

function marksOf(row: MarksRow | undefined): TransactionMarks {
  return {
    transaction: row?.pfw_transaction == null ? undefined : String(row.pfw_transaction),
    session: String(row?.pfw_session),
  };
}

function effectOf(row: EffectRow | undefined): EffectSeen {
  const holder = typeof row?.holder === 'string' ? row.holder : undefined;
  return Number(row?.committed) !== 1
    ? { committed: false, result: undefined, holder }
    : { committed: true, result: recordedResult(row!.result), holder };
}

/** A named lock for a lock key: MySQL's names are at most 64 characters, so a digest of it. */
function lockName(key: string): string {
  return `pfw:${createHash('sha1').update(key).digest('hex')}`;
}
