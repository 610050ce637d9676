import { createHash } from 'node:crypto';
import { ConfigurationError } from '../errors/configuration-error.js';
import { recordedResult } from '../stores/transaction/recordable-result.js';
import type { TransactionDialect } from '../stores/transaction/transaction-dialect.js';
import type { ConnectablePool, PooledConnection, Queryable } from './postgres-pool.js';

/**
 * `ctx.transaction` on Postgres: the one algorithm of `transact-once.ts`, given Postgres's SQL.
 * The lock is an advisory lock on the id, tried without waiting; the effect record is a row of
 * `effectTable`, inserted in the handler's transaction unless another owner holds the claim in
 * `table`. `lockReadAndBegin` and `recordCommitAndUnlock` do the usual steps in one round trip
 * each. `explain` turns a missing table or column into an error that says how to fix it.
 */
export function postgresTransactionDialect(
  pool: Queryable,
  table: string,
  effectTable: string,
  explain: (error: unknown) => unknown,
): TransactionDialect<PooledConnection> {
  const connectable = pool as unknown as Partial<ConnectablePool>;
  /**
   * The search path and role each connection had when fn's transaction began: the record is
   * written under them, whatever fn set for its transaction by SET LOCAL (a tenant's schema, a
   * role that may write only the tenant's tables), so that it reaches the store's tables as
   * the store's other statements do.
   */
  const settings = new WeakMap<object, { searchPath: string; role: string }>();
  return {
    async connect() {
      if (typeof connectable.connect !== 'function') {
        throw new ConfigurationError(
          'ctx.transaction needs postgresStore({ pool }) to be given a pg Pool (it has no connect())',
        );
      }
      const connection = await connectable.connect();
      // A checked-out pg client has no 'error' listener of the pool's: a backend terminated
      // while fn runs would emit an unhandled 'error' and end the process. The failure reaches
      // fn's query (or the commit) as a rejection instead, and the connection is discarded.
      (connection as Partial<ErrorEmitter>).on?.('error', swallowConnectionError);
      return connection;
    },
    release(connection, discard) {
      (connection as Partial<ErrorEmitter>).off?.('error', swallowConnectionError);
      // pg's Pool closes a connection released with an error instead of reusing it.
      connection.release(discard ? new Error('closed by ctx.transaction') : undefined);
    },
    async tryLock(connection, key) {
      const { rows } = await connection.query('SELECT pg_try_advisory_lock($1::bigint) AS locked', [
        lockNumber(key),
      ]);
      return rows[0]?.['locked'] === true;
    },
    async unlock(connection, key) {
      await connection.query('SELECT pg_advisory_unlock($1::bigint)', [lockNumber(key)]);
    },
    async readEffect(connection, id) {
      // The claim's holder in the same read: no round trip added to see a taken-over claim.
      const { rows } = await connection.query(
        `SELECT e.id IS NOT NULL AS committed, e.result, w.owner AS holder
FROM (SELECT 1) one LEFT JOIN ${effectTable} e ON e.id = $1 LEFT JOIN ${table} w ON w.id = $1`,
        [id],
      );
      const row = rows[0];
      const holder = typeof row?.['holder'] === 'string' ? row['holder'] : undefined;
      return row?.['committed'] !== true
        ? { committed: false, result: undefined, holder }
        : { committed: true, result: recordedResult(row['result']), holder };
    },
    async begin(connection, isolation) {
      await connection.query(`BEGIN ISOLATION LEVEL ${isolation.toUpperCase()}`);
    },
    async outcomeOf(connection, transaction) {
      if (transaction === undefined) return 'unknown';
      const { rows } = await connection.query('SELECT pg_xact_status($1::xid8) AS status', [
        transaction,
      ]);
      const status = rows[0]?.['status'];
      return status === 'aborted' ? 'aborted' : status === 'committed' ? 'committed' : 'unknown';
    },
    forbidden:
      // SET TRANSACTION in any form: READ ONLY would leave the effect record unwritable, so
      // every run of the webhook would fail (the adversarial pass found it stuck).
      /^(?:BEGIN|START\s+TRANSACTION|COMMIT|END|ROLLBACK(?!\s+TO)|ABORT|PREPARE\s+TRANSACTION|SET\s+(?:SESSION\s+|LOCAL\s+)?(?:CHARACTERISTICS|TRANSACTION|transaction_read_only))\b/i,
    async marks(connection) {
      const { rows } = await connection.query(`SELECT ${MARKS}`);
      return {
        transaction: rows[0]?.['pfw_transaction'] as string | undefined,
        session: String(rows[0]?.['pfw_session']),
      };
    },
    async record(connection, id, result, owner) {
      // Refused (nothing inserted) when another owner holds the claim now: read as committed
      // at this statement, so a takeover while fn ran is seen.
      const { rows } = await connection.query(
        `INSERT INTO ${effectTable} (id, effect_at, result)
SELECT $1, clock_timestamp(), $2 WHERE NOT EXISTS (
  SELECT 1 FROM ${table} WHERE id = $1 AND owner IS NOT NULL AND owner <> $3)
RETURNING id`,
        [id, result, owner ?? null],
      );
      return rows.length > 0;
    },
    async commit(connection) {
      await connection.query('COMMIT');
    },
    async rollback(connection) {
      await connection.query('ROLLBACK');
      return undefined;
    },
    async rollbackAndUnlock(connection, key) {
      // One message: a pooler that hands each transaction its own server connection keeps
      // this one until the message ends, so the unlock reaches the session holding the lock.
      await connection.query(`ROLLBACK; SELECT pg_advisory_unlock(${lockNumber(key)})`);
    },
    // A SET made in a transaction that rolls back is undone, SET SESSION included.
    settingsRollBack: true,
    isRetryable(error) {
      const code = (error as { code?: unknown } | null)?.code;
      return code === '40001' || code === '40P01';
    },
    explain,
    // The steps as one simple-protocol string each (pg sends a query without values as one
    // message, statements run in order, and stop at the first error): its values are written
    // into it as hex (sqlText), which no setting or content can turn into SQL.
    async lockReadAndBegin(connection, key, id, isolation) {
      // The lock, then the read in a statement of its own (so its snapshot is taken after the
      // lock), in a read-committed transaction of its own (so neither a serializable default
      // nor fn's transaction reads it); then fn's transaction.
      const results = await multiple(
        connection,
        `BEGIN ISOLATION LEVEL READ COMMITTED;
SELECT pg_try_advisory_lock(${lockNumber(key)}) AS locked;
SELECT e.id IS NOT NULL AS committed, e.result, w.owner AS holder
FROM (SELECT 1) one LEFT JOIN ${effectTable} e ON e.id = ${sqlText(id)} LEFT JOIN ${table} w ON w.id = ${sqlText(id)};
COMMIT;
BEGIN ISOLATION LEVEL ${isolation.toUpperCase()};
SELECT ${MARKS}, current_setting('search_path') AS pfw_search_path,
  current_setting('role') AS pfw_role`,
        6,
      );
      if (results[1]!.rows[0]?.['locked'] !== true) {
        await connection.query('ROLLBACK');
        return { locked: false };
      }
      const row = results[2]!.rows[0];
      const holder = typeof row?.['holder'] === 'string' ? row['holder'] : undefined;
      const marks = results[5]!.rows[0];
      settings.set(connection, {
        searchPath: String(marks?.['pfw_search_path']),
        role: String(marks?.['pfw_role']),
      });
      return {
        locked: true,
        seen:
          row?.['committed'] !== true
            ? { committed: false, result: undefined, holder }
            : { committed: true, result: recordedResult(row['result']), holder },
        before: {
          transaction: marks?.['pfw_transaction'] as string | undefined,
          session: String(marks?.['pfw_session']),
        },
      };
    },
    async recordCommitAndUnlock(connection, key, id, result, owner, before) {
      const xid = before.transaction;
      if (xid === undefined || !/^\d+$/.test(xid)) {
        throw new Error(`unexpected transaction id ${String(xid)}`);
      }
      // The marks as fn left them; then the search path and role the transaction began with,
      // for this transaction only (fn may have set its own: the store's tables are found and
      // written with those of the store's other statements). The record is inserted while the
      // transaction is still fn's and no other owner holds the claim (else the statement fails,
      // so nothing after it runs: the caller rolls back); or, when fn ended the transaction
      // itself, unless Postgres says that one rolled back (as transactOnce does step by
      // step). Then fn's deferred
      // constraints are checked, before the commit rather than by it: a violation fails a
      // statement of the still open transaction, which the caller's rollback-and-unlock ends on
      // the same server connection (a COMMIT that fails ends the transaction, and behind
      // PgBouncer in transaction mode the unlock after it could go to another: the lock stayed,
      // and the webhook's redeliveries failed until the pooler closed that connection). Then
      // the commit, then the unlock.
      const began = settings.get(connection);
      let results: Array<{ rows: Record<string, unknown>[] }>;
      try {
        results = await multiple(
          connection,
          `SELECT ${MARKS};
SELECT ${began === undefined ? '1' : `pg_catalog.set_config('search_path', ${sqlText(began.searchPath)}, true), pg_catalog.set_config('role', ${sqlText(began.role)}, true)`};
WITH m AS (SELECT pg_current_xact_id()::text AS pfw_transaction),
ins AS (
  INSERT INTO ${effectTable} (id, effect_at, result)
  SELECT ${sqlText(id)}, clock_timestamp(), ${result === null ? 'NULL' : sqlText(result)} FROM m
  WHERE CASE WHEN m.pfw_transaction = '${xid}' THEN NOT EXISTS (
      SELECT 1 FROM ${table} WHERE id = ${sqlText(id)} AND owner IS NOT NULL
        AND owner <> ${owner === undefined ? 'NULL' : sqlText(owner)})
    ELSE pg_xact_status('${xid}'::xid8) IS DISTINCT FROM 'aborted' END
  RETURNING id
)
SELECT m.pfw_transaction, r.n AS recorded,
  CASE WHEN m.pfw_transaction = '${xid}' AND r.n = 0
    THEN ('${TAKEN_OVER} ' || r.n)::int END AS refused
FROM m, (SELECT count(*)::int AS n FROM ins) r;
SET CONSTRAINTS ALL IMMEDIATE;
COMMIT;
SELECT pg_advisory_unlock(${lockNumber(key)})`,
          6,
        );
      } catch (error) {
        if (String((error as { message?: unknown }).message).includes(TAKEN_OVER)) {
          return { outcome: 'refused' };
        }
        throw error;
      }
      const marks = results[0]!.rows[0];
      const row = results[2]!.rows[0];
      const after = {
        transaction: marks?.['pfw_transaction'] as string | undefined,
        session: String(marks?.['pfw_session']),
      };
      return after.transaction === xid
        ? { outcome: 'committed', after }
        : { outcome: 'ended', after, recorded: Number(row?.['recorded']) > 0 };
    },
  };
}

/**
 * What tells whether `fn` ended the transaction or changed the session (see `transact-once.ts`):
 * the transaction's id (assigned here, so that `pg_xact_status` can later tell whether it
 * committed or was rolled back; text, not a time, whose form SET LOCAL DateStyle changes), and the
 * settings a handler might change (a role, a search path, timeouts) sum up the session. Read
 * with current_setting, not pg_settings: 0.05 ms against 0.5 ms a transaction.
 */
const MARKS = `pg_current_xact_id()::text AS pfw_transaction, concat_ws('|', current_user,
  current_setting('search_path'), current_setting('statement_timeout'),
  current_setting('lock_timeout'), current_setting('idle_in_transaction_session_timeout'),
  current_setting('TimeZone'), current_setting('DateStyle'), current_setting('client_encoding'),
  current_setting('default_transaction_isolation'), current_setting('default_transaction_read_only'),
  current_setting('session_replication_role'), current_setting('synchronous_commit')) AS pfw_session`;

/** What the record's statement fails with when another owner holds the claim. */
const TAKEN_OVER = 'passfort-webhooks: claim taken over, recorded';

/**
 * A string as an SQL expression of hex digits only: no quoting, setting or content escapes it.
 * Its collation is what lets a comparison with it use the tables' primary keys: an index
 * answers a comparison in its own collation only. convert_from takes the collation of its
 * encoding argument; as a `name` that is "C", which won over the ids' (database) collation, and
 * every ctx.transaction read the ids and effects tables whole (44–79 ms per read at 300,000
 * remembered ids against 0.14–0.41; BENCHMARKS.md, issue 40). As `text` it is the default
 * collation, implicitly, which yields to the column's whatever it is: an explicit
 * `COLLATE "default"` did not, and read whole a table whose ids were given another collation
 * (`id text COLLATE "C"` in a team's own migration: postgres-collation.test.ts).
 */
function sqlText(value: string): string {
  return `convert_from(decode('${Buffer.from(value, 'utf8').toString('hex')}', 'hex'), 'UTF8'::text)`;
}

/** Sends several statements as one string (one round trip); their results, `count` of them. */
async function multiple(
  connection: Queryable,
  text: string,
  count: number,
): Promise<Array<{ rows: Record<string, unknown>[] }>> {
  const results = (await connection.query(text)) as unknown;
  if (!Array.isArray(results) || results.length !== count) {
    throw new ConfigurationError(
      'ctx.transaction needs postgresStore({ pool }) to be given a pg Pool, whose query() answers several statements sent at once with one result each',
    );
  }
  return results as Array<{ rows: Record<string, unknown>[] }>;
}

/** The advisory lock number of a lock key: 64 bits of its SHA-1, as pg's bigint text. */
function lockNumber(key: string): string {
  return createHash('sha1').update(key).digest().readBigInt64BE(0).toString();
}

interface ErrorEmitter {
  on(event: 'error', listener: (error: Error) => void): unknown;
  off(event: 'error', listener: (error: Error) => void): unknown;
}

/** See `connect()` above: the rejection of the query carries the failure. */
function swallowConnectionError(): void {}
