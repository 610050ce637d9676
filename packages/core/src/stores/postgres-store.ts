import { ConfigurationError } from '../errors/configuration-error.js';
import { StoreUnavailableError } from '../errors/store-unavailable-error.js';
import { resolveLogger } from '../observability/console-logger.js';
import type { Logger } from '../observability/logger.js';
import { postgresPoolRisks, warnAboutClientSettings } from './client-settings.js';
import type { ClaimOutcome, DeadLetter } from './dedupe-store.js';
import { DEFAULT_RETENTION_MS } from './dedupe-store.js';
import { survivePoolErrors } from './postgres-pool-errors.js';
import {
  recordableResult,
  recordedResult,
  type TransactionalStore,
} from './transactional-store.js';

/** What the store needs of a `pg` Pool (or Client): `query(text, values)`. */
export interface Queryable {
  query(text: string, values?: unknown[]): Promise<{ rows: Record<string, unknown>[] }>;
}

/** A connection of a pool, as `ctx.transaction` uses it: queries, then back to the pool. */
export interface PooledConnection extends Queryable {
  /** Returns the connection; with an error, the pool discards it instead. */
  release(error?: Error | boolean): void;
}

/** What `ctx.transaction` needs beyond {@link Queryable}: a `pg` Pool's `connect()`. */
export interface ConnectablePool<Client extends PooledConnection = PooledConnection>
  extends Queryable {
  connect(): Promise<Client>;
}

/** The client `ctx.transaction` hands to handlers for a given pool: pg's `PoolClient` for a `pg.Pool`. */
export type PoolClientOf<P> = P extends {
  // pg's Pool overloads connect() with a callback form: match both, or inference sees only the last
  connect: { (): Promise<infer C>; (callback: never): void };
}
  ? C
  : P extends { connect(): Promise<infer C> }
    ? C
    : never;

/** Options of {@link postgresStore}. */
export interface PostgresStoreOptions<P extends Queryable = Queryable> {
  /**
   * A `pg` Pool. It stays yours: `close()` does not end it. `ctx.transaction` runs on
   * connections of this pool.
   */
  pool: P;
  /**
   * Table of webhook ids. Letters, digits and underscores, optionally schema-qualified.
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
  /**
   * Where an idle connection's failure is reported (see {@link postgresStore}), and the
   * start-up warning about pool settings that let a query outlive the request's deadline;
   * `false` for nowhere.
   * @default warnings to the console
   */
  logger?: Logger | false;
}

/**
 * The Postgres store: a {@link DedupeStore} plus its schema management, and transactions for
 * `ctx.transaction` on the pool's connections (`Client`: pg's `PoolClient`).
 */
export interface PostgresStore<Client = unknown> extends TransactionalStore<Client> {
  /** Creates the two tables and their index if they do not exist. Run it once, at deploy time. */
  migrate(): Promise<void>;
  /** Deletes ids whose retention has passed; returns how many. */
  prune(): Promise<number>;
}

const IDENTIFIER = /^[a-z_][a-z0-9_]*(\.[a-z_][a-z0-9_]*)?$/i;

/** The SQL that `migrate()` runs, for teams that apply migrations with their own tool. */
export function postgresSchemaSql(
  table = 'passfort_webhook_ids',
  deadLetterTable = 'passfort_webhook_dead_letters',
): string {
  for (const name of [table, deadLetterTable]) {
    if (!IDENTIFIER.test(name))
      throw new ConfigurationError(`Invalid Postgres table name: ${name}`);
  }
  const index = `${table.replace('.', '_')}_expires_at`;
  return `CREATE TABLE IF NOT EXISTS ${table} (
  id text PRIMARY KEY,
  state text NOT NULL CHECK (state IN ('claimed', 'released', 'done')),
  lease_until timestamptz,
  attempts integer NOT NULL DEFAULT 0,
  expires_at timestamptz NOT NULL,
  effect_at timestamptz,
  effect_result text
);
ALTER TABLE ${table} ADD COLUMN IF NOT EXISTS effect_at timestamptz,
  ADD COLUMN IF NOT EXISTS effect_result text;
CREATE INDEX IF NOT EXISTS ${index} ON ${table} (expires_at);
CREATE TABLE IF NOT EXISTS ${deadLetterTable} (
  id text PRIMARY KEY,
  event text NOT NULL,
  webhook jsonb NOT NULL,
  reason text NOT NULL,
  error text NOT NULL,
  attempts integer NOT NULL,
  failed_at timestamptz NOT NULL
);`;
}

/**
 * A {@link DedupeStore} on PostgreSQL through `pg`. A batch claim, complete or release is
 * one statement whatever the batch size; concurrent claimers are arbitrated by row locks,
 * so exactly one wins each id. Tables are created by an explicit `migrate()` (or the SQL
 * of {@link postgresSchemaSql}), never silently on a request.
 *
 * @example
 * import pg from 'pg';
 * import { postgresStore } from '@passfort-webhooks/core/postgres';
 * const store = postgresStore({ pool: new pg.Pool({ connectionString: process.env.DATABASE_URL }) });
 * await store.migrate();
 */
export function postgresStore<P extends Queryable>(
  options: PostgresStoreOptions<P>,
): PostgresStore<PoolClientOf<P>> {
  if (typeof options?.pool?.query !== 'function') {
    throw new ConfigurationError(
      'postgresStore needs a pg Pool: postgresStore({ pool: new pg.Pool(...) })',
    );
  }
  const { pool } = options;
  const logger = resolveLogger(options.logger);
  survivePoolErrors(pool, logger);
  warnAboutClientSettings('postgresStore', pool, postgresPoolRisks(pool), logger);
  const table = options.table ?? 'passfort_webhook_ids';
  const deadTable = options.deadLetterTable ?? 'passfort_webhook_dead_letters';
  const schema = postgresSchemaSql(table, deadTable);
  const retentionMs = options.retentionMs ?? DEFAULT_RETENTION_MS;
  const pruneIntervalMs = options.pruneIntervalMs ?? 600_000;

  const claimSql = `WITH input AS (
  SELECT id, ord FROM unnest($1::text[]) WITH ORDINALITY AS t(id, ord)
), claimed AS (
  INSERT INTO ${table} AS w (id, state, lease_until, attempts, expires_at)
  SELECT id, 'claimed', now() + $2 * interval '1 millisecond', 1, now() + $3 * interval '1 millisecond'
  FROM input
  ON CONFLICT (id) DO UPDATE SET
    state = 'claimed',
    lease_until = EXCLUDED.lease_until,
    attempts = CASE WHEN w.state = 'done' THEN 1 ELSE w.attempts + 1 END,
    expires_at = EXCLUDED.expires_at,
    -- an id claimed anew after its retention is a new webhook: its old effect is forgotten
    effect_at = CASE WHEN w.state = 'done' THEN NULL ELSE w.effect_at END,
    effect_result = CASE WHEN w.state = 'done' THEN NULL ELSE w.effect_result END
  WHERE (w.state = 'done' AND w.expires_at <= now())
     OR (w.state = 'released')
     OR (w.state = 'claimed' AND w.lease_until <= now())
  RETURNING w.id, w.attempts
)
SELECT claimed.attempts AS attempts,
       (existing.state = 'done' AND existing.expires_at > now()) AS done
FROM input
LEFT JOIN claimed ON claimed.id = input.id
LEFT JOIN ${table} existing ON existing.id = input.id
ORDER BY input.ord`;

  const completeSql = `INSERT INTO ${table} (id, state, lease_until, attempts, expires_at)
SELECT id, 'done', NULL, 0, now() + $2 * interval '1 millisecond' FROM unnest($1::text[]) AS t(id)
ON CONFLICT (id) DO UPDATE SET state = 'done', lease_until = NULL, expires_at = EXCLUDED.expires_at`;

  const releaseSql = `UPDATE ${table}
SET state = 'released', lease_until = NULL, attempts = attempts - CASE WHEN $2 THEN 0 ELSE 1 END
WHERE id = ANY($1::text[]) AND state = 'claimed'`;

  // Live claims only: an ended lease may already be someone else's to take.
  const renewSql = `UPDATE ${table} SET lease_until = now() + $2 * interval '1 millisecond'
WHERE id = ANY($1::text[]) AND state = 'claimed' AND lease_until > now()`;

  const deadLetterSql = `WITH done AS (
  INSERT INTO ${table} (id, state, lease_until, attempts, expires_at)
  VALUES ($1, 'done', NULL, $5, now() + $8 * interval '1 millisecond')
  ON CONFLICT (id) DO UPDATE SET state = 'done', lease_until = NULL, expires_at = EXCLUDED.expires_at
)
INSERT INTO ${deadTable} (id, event, webhook, reason, error, attempts, failed_at)
VALUES ($1, $2, $3::jsonb, $4, $6, $5, to_timestamp($7::double precision / 1000))
ON CONFLICT (id) DO UPDATE SET event = EXCLUDED.event, webhook = EXCLUDED.webhook,
  reason = EXCLUDED.reason, error = EXCLUDED.error, attempts = EXCLUDED.attempts,
  failed_at = EXCLUDED.failed_at`;

  // Locks the id's row for the transaction (creating it, as done, for a replay whose row the
  // retention already pruned) and reads whether its effect was committed before.
  const lockEffectSql = `INSERT INTO ${table} AS w (id, state, lease_until, attempts, expires_at)
VALUES ($1, 'done', NULL, 0, now() + $2 * interval '1 millisecond')
ON CONFLICT (id) DO UPDATE SET id = w.id
RETURNING w.effect_at IS NOT NULL AS committed, w.effect_result AS result`;
  const recordEffectSql = `UPDATE ${table} SET effect_at = now(), effect_result = $2 WHERE id = $1`;

  const letterColumns = `id, event, webhook, reason, error, attempts,
  (extract(epoch FROM failed_at) * 1000)::float8 AS failed_at`;

  function toLetter(row: Record<string, unknown>): DeadLetter {
    return {
      id: row['id'] as string,
      event: row['event'] as string,
      webhook: row['webhook'] as DeadLetter['webhook'],
      reason: row['reason'] as DeadLetter['reason'],
      error: row['error'] as string,
      attempts: row['attempts'] as number,
      failedAt: Math.round(row['failed_at'] as number),
    };
  }

  /**
   * A missing table is the usual first-run mistake, and a missing column the usual upgrade
   * mistake: their errors say how to fix it instead of only "relation … does not exist".
   */
  function explained(error: unknown): unknown {
    const code = (error as { code?: unknown }).code;
    if (code === '42P01') {
      return new StoreUnavailableError(
        `The dedupe tables ${table} / ${deadTable} do not exist: did you call \`await store.migrate()\` (or apply postgresSchemaSql()) at start-up?`,
        { cause: error },
      );
    }
    if (code === '42703') {
      return new StoreUnavailableError(
        `The dedupe table ${table} lacks a column this version uses: run \`await store.migrate()\` (or apply postgresSchemaSql()) again after upgrading`,
        { cause: error },
      );
    }
    return error;
  }

  async function query(sql: string, params?: unknown[]) {
    try {
      return await pool.query(sql, params);
    } catch (error) {
      throw explained(error);
    }
  }

  async function prune(): Promise<number> {
    const result = await query(
      `WITH gone AS (DELETE FROM ${table} WHERE expires_at < now() RETURNING 1) SELECT count(*)::int AS n FROM gone`,
    );
    return (result.rows[0]?.['n'] as number | undefined) ?? 0;
  }

  let timer: ReturnType<typeof setInterval> | undefined;
  if (pruneIntervalMs > 0) {
    timer = setInterval(() => {
      prune().catch(() => {}); // the next run tries again; expired rows are never read as done
    }, pruneIntervalMs);
    timer.unref?.();
  }

  return {
    migrate: async () => {
      await pool.query(schema);
    },
    prune,
    async claim(ids, { leaseMs }) {
      if (ids.length === 0) return [];
      const { rows } = await query(claimSql, [ids, leaseMs, retentionMs]);
      return rows.map((row): ClaimOutcome => {
        if (row['attempts'] !== null)
          return { status: 'claimed', attempt: row['attempts'] as number };
        return row['done'] === true ? { status: 'done' } : { status: 'busy' };
      });
    },
    async complete(ids) {
      if (ids.length > 0) await query(completeSql, [ids, retentionMs]);
    },
    async release(ids, { failed = false } = {}) {
      if (ids.length > 0) await query(releaseSql, [ids, failed]);
    },
    async renew(ids, { leaseMs }) {
      if (ids.length > 0) await query(renewSql, [ids, leaseMs]);
    },
    async addDeadLetter(letter) {
      await query(deadLetterSql, [
        letter.id,
        letter.event,
        JSON.stringify(letter.webhook),
        letter.reason,
        letter.attempts,
        letter.error,
        letter.failedAt,
        retentionMs,
      ]);
    },
    async listDeadLetters({ limit = 100 } = {}) {
      const { rows } = await query(
        `SELECT ${letterColumns} FROM ${deadTable} ORDER BY failed_at, id LIMIT $1`,
        [limit],
      );
      return rows.map(toLetter);
    },
    async getDeadLetter(id) {
      const { rows } = await query(`SELECT ${letterColumns} FROM ${deadTable} WHERE id = $1`, [id]);
      return rows[0] === undefined ? undefined : toLetter(rows[0]);
    },
    async deleteDeadLetter(id) {
      const { rows } = await query(
        `WITH gone AS (DELETE FROM ${deadTable} WHERE id = $1 RETURNING 1) SELECT count(*)::int AS n FROM gone`,
        [id],
      );
      return (rows[0]?.['n'] as number) > 0;
    },
    async countDeadLetters() {
      const { rows } = await query(`SELECT count(*)::int AS n FROM ${deadTable}`);
      return rows[0]?.['n'] as number;
    },
    async transactOnce<T>(id: string, effect: (tx: PoolClientOf<P>) => Promise<T>): Promise<T> {
      const connectable = pool as unknown as Partial<ConnectablePool>;
      if (typeof connectable.connect !== 'function') {
        throw new ConfigurationError(
          'ctx.transaction needs postgresStore({ pool }) to be given a pg Pool (it has no connect())',
        );
      }
      const client = await connectable.connect();
      // A connection whose ROLLBACK failed is in an unknown state: the pool must not reuse it.
      let broken: Error | undefined;
      try {
        await client.query('BEGIN');
        const { rows } = await client.query(lockEffectSql, [id, retentionMs]).catch((error) => {
          throw explained(error);
        });
        if (rows[0]?.['committed'] === true) {
          await client.query('ROLLBACK');
          return recordedResult(rows[0]['result']) as T;
        }
        const result = await effect(client as PoolClientOf<P>);
        await client.query(recordEffectSql, [id, recordableResult(result)]);
        await client.query('COMMIT');
        return result;
      } catch (error) {
        await client.query('ROLLBACK').catch((rollbackError: Error) => {
          broken = rollbackError;
        });
        throw error;
      } finally {
        client.release(broken);
      }
    },
    close() {
      clearInterval(timer);
    },
  };
}
