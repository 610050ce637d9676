import { ConfigurationError } from '../errors/configuration-error.js';
import { StoreUnavailableError } from '../errors/store-unavailable-error.js';
import { resolveLogger } from '../observability/console-logger.js';
import { describeError, type Logger } from '../observability/logger.js';
import type { ClaimOutcome, DeadLetter } from './dedupe-store.js';
import { DEFAULT_RETENTION_MS } from './dedupe-store.js';
import {
  recordableResult,
  recordedResult,
  type TransactionalStore,
} from './transactional-store.js';

/** What the store runs statements on: a connection of a mysql2 promise pool. */
export interface MysqlQueryable {
  query(sql: string, values?: unknown): Promise<[unknown, unknown]>;
}

/** A connection taken from the pool, for transactions. */
export interface MysqlPoolConnection extends MysqlQueryable {
  beginTransaction(): Promise<void>;
  commit(): Promise<void>;
  rollback(): Promise<void>;
  release(): void;
  /** Closes the connection instead of returning it (after a failed rollback). */
  destroy(): void;
}

/** What the store needs of a `mysql2/promise` Pool. */
export interface MysqlPool extends MysqlQueryable {
  getConnection(): Promise<MysqlPoolConnection>;
}

/** The connection `ctx.transaction` hands to handlers: mysql2's `PoolConnection` for its Pool. */
export type MysqlConnectionOf<P> = P extends { getConnection(): Promise<infer C> } ? C : never;

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
  /** How long a completed id is remembered. @default 7 days */
  retentionMs?: number;
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
  /** Creates the two tables if they do not exist. Run it once, at deploy time. */
  migrate(): Promise<void>;
  /** Deletes ids whose retention has passed; returns how many. */
  prune(): Promise<number>;
}

const IDENTIFIER = /^[a-z_][a-z0-9_]*(\.[a-z_][a-z0-9_]*)?$/i;
// Ids are case-sensitive: a binary collation, or 'ABC' and 'abc' would be one webhook.
const ID_COLUMN = 'VARCHAR(256) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL';

/**
 * The statements `migrate()` runs, one per array element (mysql2 runs one statement per
 * query unless `multipleStatements` is on), for teams that apply migrations with their own tool.
 */
export function mysqlSchemaSql(
  table = 'passfort_webhook_ids',
  deadLetterTable = 'passfort_webhook_dead_letters',
): string[] {
  for (const name of [table, deadLetterTable]) {
    if (!IDENTIFIER.test(name)) throw new ConfigurationError(`Invalid MySQL table name: ${name}`);
  }
  return [
    `CREATE TABLE IF NOT EXISTS ${table} (
  id ${ID_COLUMN} PRIMARY KEY,
  state VARCHAR(8) NOT NULL,
  lease_until DATETIME(3) NULL,
  attempts INT NOT NULL DEFAULT 0,
  expires_at DATETIME(3) NOT NULL,
  claim_token CHAR(36) NULL,
  effect_at DATETIME(3) NULL,
  effect_result LONGTEXT NULL,
  INDEX expires_at (expires_at)
) ENGINE=InnoDB`,
    `CREATE TABLE IF NOT EXISTS ${deadLetterTable} (
  id ${ID_COLUMN} PRIMARY KEY,
  event VARCHAR(256) NOT NULL,
  webhook LONGTEXT NOT NULL,
  reason VARCHAR(32) NOT NULL,
  error TEXT NOT NULL,
  attempts INT NOT NULL,
  failed_at BIGINT NOT NULL,
  INDEX failed_at (failed_at, id)
) ENGINE=InnoDB`,
  ];
}

/**
 * A {@link DedupeStore} on MySQL 8 or MariaDB 10.5+ through `mysql2`, with `ctx.transaction`.
 * A batch claim is one `INSERT … ON DUPLICATE KEY UPDATE` plus one read, whatever the batch
 * size; row locks make exactly one concurrent claimer win each id, recognised by a token
 * unique to its claim. Times are the database's clock. Tables are created by an explicit
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
  const schema = mysqlSchemaSql(table, deadTable);
  const retentionMs = options.retentionMs ?? DEFAULT_RETENTION_MS;
  const pruneIntervalMs = options.pruneIntervalMs ?? 600_000;
  const retentionUs = retentionMs * 1000;

  // Assignments run left to right and see the columns already assigned: the claim token is
  // set first from the old values, and every later column asks whether it is now ours.
  const claimUpdate = `ON DUPLICATE KEY UPDATE
  claim_token = IF((state = 'done' AND expires_at <= NOW(3)) OR state = 'released'
                   OR (state = 'claimed' AND lease_until <= NOW(3)), VALUES(claim_token), claim_token),
  attempts = IF(claim_token <=> VALUES(claim_token), IF(state = 'done', 1, attempts + 1), attempts),
  effect_at = IF(claim_token <=> VALUES(claim_token) AND state = 'done', NULL, effect_at),
  effect_result = IF(claim_token <=> VALUES(claim_token) AND state = 'done', NULL, effect_result),
  state = IF(claim_token <=> VALUES(claim_token), 'claimed', state),
  lease_until = IF(claim_token <=> VALUES(claim_token), VALUES(lease_until), lease_until),
  expires_at = IF(claim_token <=> VALUES(claim_token), VALUES(expires_at), expires_at)`;

  function explained(error: unknown): unknown {
    const code = (error as { code?: unknown }).code;
    if (code === 'ER_NO_SUCH_TABLE') {
      return new StoreUnavailableError(
        `The dedupe tables ${table} / ${deadTable} do not exist: did you call \`await store.migrate()\` (or apply mysqlSchemaSql()) at start-up?`,
        { cause: error },
      );
    }
    if (code === 'ER_BAD_FIELD_ERROR') {
      return new StoreUnavailableError(
        `The dedupe table ${table} lacks a column this version uses: run \`await store.migrate()\` (or apply mysqlSchemaSql()) again after upgrading`,
        { cause: error },
      );
    }
    return error;
  }

  async function query<Row = Record<string, unknown>>(
    sql: string,
    values?: unknown[],
    on: MysqlQueryable = pool,
  ): Promise<Row[] & { affectedRows?: number }> {
    try {
      const [result] = await on.query(sql, values);
      return result as Row[] & { affectedRows?: number };
    } catch (error) {
      throw explained(error);
    }
  }

  /** Runs `work` in a transaction on one connection of the pool. */
  async function inTransaction<T>(
    work: (connection: MysqlPoolConnection) => Promise<T>,
  ): Promise<T> {
    const connection = await pool.getConnection();
    let broken = false;
    try {
      await connection.beginTransaction();
      const result = await work(connection);
      await connection.commit();
      return result;
    } catch (error) {
      await connection.rollback().catch(() => {
        broken = true;
      });
      throw error;
    } finally {
      // A connection whose rollback failed is in an unknown state: never reuse it.
      if (broken) connection.destroy();
      else connection.release();
    }
  }

  async function prune(): Promise<number> {
    const result = await query(`DELETE FROM ${table} WHERE expires_at < NOW(3)`);
    return result.affectedRows ?? 0;
  }

  let timer: ReturnType<typeof setInterval> | undefined;
  if (pruneIntervalMs > 0) {
    timer = setInterval(() => {
      prune().catch(() => {}); // the next run tries again; expired rows are never read as done
    }, pruneIntervalMs);
    timer.unref?.();
  }

  const letterColumns = 'id, event, webhook, reason, error, attempts, failed_at';
  function toLetter(row: Record<string, unknown>): DeadLetter {
    return {
      id: row['id'] as string,
      event: row['event'] as string,
      webhook: JSON.parse(row['webhook'] as string) as DeadLetter['webhook'],
      reason: row['reason'] as DeadLetter['reason'],
      error: row['error'] as string,
      attempts: Number(row['attempts']),
      failedAt: Number(row['failed_at']),
    };
  }

  return {
    async migrate() {
      for (const statement of schema) await pool.query(statement);
    },
    prune,
    async claim(ids, { leaseMs }) {
      if (ids.length === 0) return [];
      const token = globalThis.crypto.randomUUID();
      // Rows are locked in id order, so two claimers of overlapping batches cannot deadlock.
      const sorted = [...ids].sort();
      const values: unknown[] = [];
      for (const id of sorted) values.push(id, leaseMs * 1000, retentionUs, token);
      await query(
        `INSERT INTO ${table} (id, state, lease_until, attempts, expires_at, claim_token) VALUES ${sorted
          .map(
            () =>
              "(?, 'claimed', NOW(3) + INTERVAL ? MICROSECOND, 1, NOW(3) + INTERVAL ? MICROSECOND, ?)",
          )
          .join(', ')} ${claimUpdate}`,
        values,
      );
      const rows = await query<{ id: string; attempts: number; mine: number; done: number }>(
        `SELECT id, attempts, claim_token <=> ? AS mine, (state = 'done' AND expires_at > NOW(3)) AS done
FROM ${table} WHERE id IN (?)`,
        [token, ids],
      );
      const byId = new Map(rows.map((row) => [row.id, row]));
      return ids.map((id): ClaimOutcome => {
        const row = byId.get(id);
        if (row !== undefined && Number(row.mine) === 1) {
          return { status: 'claimed', attempt: Number(row.attempts) };
        }
        return row !== undefined && Number(row.done) === 1
          ? { status: 'done' }
          : { status: 'busy' };
      });
    },
    async complete(ids) {
      if (ids.length === 0) return;
      const sorted = [...ids].sort();
      const values: unknown[] = [];
      for (const id of sorted) values.push(id, retentionUs);
      await query(
        `INSERT INTO ${table} (id, state, lease_until, attempts, expires_at) VALUES ${sorted
          .map(() => "(?, 'done', NULL, 0, NOW(3) + INTERVAL ? MICROSECOND)")
          .join(', ')}
ON DUPLICATE KEY UPDATE state = 'done', lease_until = NULL, expires_at = VALUES(expires_at)`,
        values,
      );
    },
    async release(ids, { failed = false } = {}) {
      if (ids.length === 0) return;
      await query(
        `UPDATE ${table} SET attempts = attempts - ?, state = 'released', lease_until = NULL
WHERE id IN (?) AND state = 'claimed'`,
        [failed ? 0 : 1, ids],
      );
    },
    async renew(ids, { leaseMs }) {
      if (ids.length === 0) return;
      // Live claims only: an ended lease may already be someone else's to take.
      await query(
        `UPDATE ${table} SET lease_until = NOW(3) + INTERVAL ? MICROSECOND
WHERE id IN (?) AND state = 'claimed' AND lease_until > NOW(3)`,
        [leaseMs * 1000, ids],
      );
    },
    async addDeadLetter(letter) {
      await inTransaction(async (connection) => {
        await query(
          `INSERT INTO ${table} (id, state, lease_until, attempts, expires_at)
VALUES (?, 'done', NULL, ?, NOW(3) + INTERVAL ? MICROSECOND)
ON DUPLICATE KEY UPDATE state = 'done', lease_until = NULL, expires_at = VALUES(expires_at)`,
          [letter.id, letter.attempts, retentionUs],
          connection,
        );
        await query(
          `INSERT INTO ${deadTable} (${letterColumns}) VALUES (?, ?, ?, ?, ?, ?, ?)
ON DUPLICATE KEY UPDATE event = VALUES(event), webhook = VALUES(webhook), reason = VALUES(reason),
  error = VALUES(error), attempts = VALUES(attempts), failed_at = VALUES(failed_at)`,
          [
            letter.id,
            letter.event,
            JSON.stringify(letter.webhook),
            letter.reason,
            letter.error,
            letter.attempts,
            letter.failedAt,
          ],
          connection,
        );
      });
    },
    async listDeadLetters({ limit = 100 } = {}) {
      const rows = await query(
        `SELECT ${letterColumns} FROM ${deadTable} ORDER BY failed_at, id LIMIT ?`,
        [limit],
      );
      return rows.map(toLetter);
    },
    async getDeadLetter(id) {
      const rows = await query(`SELECT ${letterColumns} FROM ${deadTable} WHERE id = ?`, [id]);
      return rows[0] === undefined ? undefined : toLetter(rows[0]);
    },
    async deleteDeadLetter(id) {
      const result = await query(`DELETE FROM ${deadTable} WHERE id = ?`, [id]);
      return (result.affectedRows ?? 0) > 0;
    },
    async countDeadLetters() {
      const rows = await query<{ n: number }>(`SELECT COUNT(*) AS n FROM ${deadTable}`);
      return Number(rows[0]?.n ?? 0);
    },
    async transactOnce<T>(
      id: string,
      effect: (tx: MysqlConnectionOf<P>) => Promise<T>,
    ): Promise<T> {
      // A row for the id is made (as done) if the retention already pruned it, for a replay;
      // the locking read then holds it until commit, so runs for one id take turns.
      const skipped = Symbol('skipped');
      let recorded: unknown;
      const result = await inTransaction(async (connection) => {
        await query(
          `INSERT INTO ${table} (id, state, lease_until, attempts, expires_at)
VALUES (?, 'done', NULL, 0, NOW(3) + INTERVAL ? MICROSECOND) ON DUPLICATE KEY UPDATE id = id`,
          [id, retentionUs],
          connection,
        );
        const [row] = await query<{ committed: number; result: string | null }>(
          `SELECT effect_at IS NOT NULL AS committed, effect_result AS result FROM ${table} WHERE id = ? FOR UPDATE`,
          [id],
          connection,
        );
        if (row !== undefined && Number(row.committed) === 1) {
          recorded = recordedResult(row.result);
          return skipped;
        }
        const value = await effect(connection as MysqlConnectionOf<P>);
        await query(
          `UPDATE ${table} SET effect_at = NOW(3), effect_result = ? WHERE id = ?`,
          [recordableResult(value), id],
          connection,
        );
        return value;
      });
      return (result === skipped ? recorded : result) as T;
    },
    close() {
      if (timer !== undefined) clearInterval(timer);
    },
  };
}

/**
 * mysql2 emits a connection's failure (the server restarted, a connection killed) as an
 * `error` event on that connection; a pool's idle connections are removed from it, but an
 * emitter with no listener ends the process. Unless the app listens itself, the store does
 * on every connection the pool opens, and logs it.
 */
function surviveConnectionErrors(pool: MysqlPool, logger: Logger): void {
  const emitter = (pool as unknown as { pool?: unknown }).pool ?? pool;
  const events = emitter as {
    on?(event: string, listener: (connection: unknown) => void): unknown;
  };
  if (typeof events.on !== 'function') return;
  events.on('connection', (connection) => {
    const each = connection as {
      on?(event: 'error', listener: (error: unknown) => void): unknown;
      listenerCount?(event: string): number;
    };
    if (typeof each.on !== 'function') return;
    each.on('error', (error) => {
      logger.warn?.(
        { error: describeError(error) },
        'a MySQL pool connection failed; the pool opens a new one for the next query',
      );
    });
  });
}
