import { ConfigurationError } from '../errors/configuration-error.js';
import { recordedResult } from '../stores/transaction/recordable-result.js';
import type { TransactionDialect } from '../stores/transaction/transaction-dialect.js';
import type { SqliteDriver, SqliteTransactionConnection } from './sqlite-driver.js';
import { NOW, type SqliteTables } from './sqlite-schema.js';

/**
 * The statements `fn` may not send through its connection: they end or replace the
 * transaction that records the effect (BEGIN, COMMIT, END, ROLLBACK but not ROLLBACK TO a
 * savepoint), or change the session the next webhook inherits (an assigning PRAGMA), or
 * cannot run in a transaction anyway (ATTACH, DETACH, VACUUM).
 */
export const SQLITE_FORBIDDEN =
  /^(?:BEGIN|COMMIT|END|ROLLBACK(?!\s+(?:TRANSACTION\s+)?TO)|ATTACH|DETACH|VACUUM|PRAGMA\s+[\w.]+\s*(?:=|\())\b/i;

/**
 * `ctx.transaction` on SQLite: the one algorithm of `transact-once.ts`, given SQLite's SQL.
 *
 * **The lock is the database's write lock, taken by `BEGIN IMMEDIATE` without waiting.**
 * SQLite has no advisory or named locks. A lock row (claimed by a conditional UPDATE, with a
 * lease) would be a write committed before the transaction, whose lease could not be renewed
 * while the transaction holds the database's only write lock, and which a SIGKILLed holder
 * would leave taken until its lease ran out. `BEGIN IMMEDIATE` needs none of that: SQLite has
 * one writer at a time, so holding the write lock serialises the runs of one id (and of every
 * other id, which SQLite would serialise anyway at their first write); the operating system
 * frees it the moment its process dies; and it is tried, never waited on (busy_timeout 0,
 * then polled by the algorithm without holding anything). So the effect record is read after
 * the lock, inside that transaction, and `begin` has nothing left to do: every SQLite write
 * transaction is serializable, which meets any isolation asked for.
 *
 * What SQLite costs: while `fn` runs, no other connection writes (claims, completions, lease
 * renewals wait, asynchronously, up to the store's busyTimeoutMs). The record's insert renews
 * the claim's lease in the same commit, so a transaction longer than a lease does not hand its
 * own webhook to a redelivery the moment it commits.
 */
export function sqliteTransactionDialect<Tx extends object>(
  driver: SqliteDriver<Tx>,
  t: SqliteTables,
  leaseMs: () => number,
  explain: (error: unknown) => unknown,
): TransactionDialect<Tx> {
  const connections = new WeakMap<Tx, SqliteTransactionConnection<Tx>>();
  const of = (handle: Tx) => connections.get(handle)!;
  return {
    async connect() {
      const connection = await driver.connect();
      connections.set(connection.handle, connection);
      return connection.handle;
    },
    release(handle, discard) {
      of(handle).release(discard);
    },
    tryLock: (handle) => of(handle).tryBegin(),
    async unlock(handle) {
      // A run that found the effect recorded ends its read-only transaction here.
      await of(handle).rollback();
    },
    async readEffect(handle, id) {
      const [row] = await of(handle).query(
        `SELECT e.id IS NOT NULL AS committed, e.result AS result, w.owner AS holder
FROM (SELECT 1) one LEFT JOIN ${t.effects} e ON e.id = ? LEFT JOIN ${t.ids} w ON w.id = ?`,
        [id, id],
      );
      const holder = typeof row?.['holder'] === 'string' ? row['holder'] : undefined;
      return Number(row?.['committed']) !== 1
        ? { committed: false, result: undefined, holder }
        : { committed: true, result: recordedResult(row!['result']), holder };
    },
    async begin() {
      // Begun by tryLock (BEGIN IMMEDIATE): see above.
    },
    async marks(handle) {
      // Whether our transaction is still open: SQL that would end it is refused before it is
      // sent, and this is the net for what gets past (a closed connection). The session: the
      // PRAGMAs that change it are refused too.
      return { transaction: of(handle).inTransaction() ? 'open' : 'ended', session: '' };
    },
    async outcomeOf() {
      return 'unknown';
    },
    forbidden: SQLITE_FORBIDDEN,
    async record(handle, id, result, owner) {
      const connection = of(handle);
      const inserted = await connection.query(
        `INSERT INTO ${t.effects} (id, effect_at, result)
SELECT ?, ${NOW}, ? WHERE NOT EXISTS (
  SELECT 1 FROM ${t.ids} WHERE id = ? AND owner IS NOT NULL AND owner <> ?)
RETURNING id`,
        [id, result, id, owner ?? null],
      );
      if (inserted.length === 0) return false;
      if (owner !== undefined) {
        await connection.query(
          `UPDATE ${t.ids} SET lease_until = max(lease_until, ${NOW} + ?)
WHERE id = ? AND state = 'claimed' AND owner = ?`,
          [leaseMs(), id, owner],
        );
      }
      return true;
    },
    async commit(handle) {
      await of(handle).commit();
    },
    async rollback(handle) {
      await of(handle).rollback();
      return undefined;
    },
    isRetryable() {
      // One writer at a time, serializable: no serialization failure or deadlock to retry.
      return false;
    },
    explain(error) {
      if (error instanceof ConfigurationError) return error;
      return explain(error);
    },
  };
}
