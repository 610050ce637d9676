import { ConfigurationError } from '../errors/configuration-error.js';
import { resolveLogger } from '../observability/console-logger.js';
import type { Logger } from '../observability/logger.js';
import { type KnownOptions, refuseUnknownOptions } from '../options/refuse-unknown-options.js';
import { postgresPoolRisks, warnAboutClientSettings } from '../stores/client-settings.js';
import type { ClaimOutcome, DeadLetter } from '../stores/dedupe-store.js';
import { DEFAULT_RETENTION_MS } from '../stores/dedupe-store.js';
import { transactOnce } from '../stores/transaction/transact-once.js';
import type { TransactionalStore } from '../stores/transactional-store.js';
import type { PoolClientOf, PooledConnection, Queryable } from './postgres-pool.js';
import { survivePoolErrors } from './postgres-pool-errors.js';
import { postgresQuery } from './postgres-prepared-query.js';
import { explainMissingSchema, postgresSchemaSql } from './postgres-schema.js';
import { postgresStatements } from './postgres-statements.js';
import { postgresTransactionDialect } from './postgres-transaction-dialect.js';

/** The options it accepts: an unknown one is refused (see `refuseUnknownOptions`). */
const POSTGRES_STORE_OPTIONS = {
  pool: true,
  table: true,
  deadLetterTable: true,
  effectTable: true,
  retentionMs: true,
  transactionLockWaitMs: true,
  pruneIntervalMs: true,
  preparedStatements: true,
  logger: true,
} as const satisfies KnownOptions<PostgresStoreOptions>;

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
   * transaction (a replay racing a redelivery) before failing, so that the webhook is retried.
   * The wait polls a lock without holding a pool connection or a server backend.
   * @default 60_000
   */
  transactionLockWaitMs?: number;
  /**
   * How often expired ids are deleted, in the background (0 turns it off; call `prune()`).
   * @default 600_000
   */
  pruneIntervalMs?: number;
  /**
   * Sends the store's statements as named prepared statements, parsed and planned once per
   * connection: a claim and a completion cost about half as much of the database's time.
   * Set `false` behind a pooler that gives each transaction another server connection without
   * carrying prepared statements over (PgBouncer in transaction mode before 1.21, or with
   * `max_prepared_statements = 0`). Left on there, the first refusal is answered by sending
   * the statement again unnamed, and the store stays unnamed from then on (one warning).
   * Only a pg Pool or Client itself is sent names; a pool of another kind (a wrapper of one)
   * is sent `query(text, values)` as {@link Queryable} says, unnamed.
   * @default true
   */
  preparedStatements?: boolean;
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
  /**
   * Creates the tables and indexes if they do not exist, and upgrades those of an earlier
   * version. Run it once, at deploy time, before the new version receives webhooks.
   */
  migrate(): Promise<void>;
  /** Deletes ids whose retention has passed; returns how many. */
  prune(): Promise<number>;
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
  refuseUnknownOptions('postgresStore', options, POSTGRES_STORE_OPTIONS);
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
  // Beside a table of another name, its own effects table: two stores never share records.
  const effectTable =
    options.effectTable ??
    (options.table === undefined ? 'passfort_webhook_effects' : `${table}_effects`);
  const schema = postgresSchemaSql(table, deadTable, effectTable);
  const retentionMs = options.retentionMs ?? DEFAULT_RETENTION_MS;
  const pruneIntervalMs = options.pruneIntervalMs ?? 600_000;
  const lockWaitMs = options.transactionLockWaitMs ?? 60_000;

  const sql = postgresStatements(table, deadTable, effectTable);

  const explained = (error: unknown) => explainMissingSchema(error, table, deadTable, effectTable);

  const query = postgresQuery(pool, options.preparedStatements !== false, logger, explained);

  /** Deletes the ids whose retention passed, with their effect records (see its statements). */
  async function prune(): Promise<number> {
    const result = await query(sql.pruneIds);
    await query(sql.pruneEffects, [retentionMs]);
    return (result.rows[0]?.['n'] as number | undefined) ?? 0;
  }

  /**
   * Ids whose ctx.transaction committed (or found its effect committed) in this process and
   * that are not completed yet: their completion need not wait for its own WAL flush (see
   * completeLazySql in postgres-statements.ts). Bounded; an id forgotten is completed the usual
   * way.
   */
  const effectsCommitted = new Set<string>();
  function effectCommitted(id: string): void {
    effectsCommitted.add(id);
    if (effectsCommitted.size > 4096) {
      effectsCommitted.delete(effectsCommitted.values().next().value as string);
    }
  }

  const dialect = postgresTransactionDialect(pool, table, effectTable, explained);
  const lockPrefix = `${table}\u0000`;

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
    async claim(ids, { leaseMs, owner, starts, fingerprints = [] }) {
      if (ids.length === 0) return [];
      const { rows } = await query(sql.claim, [
        ids,
        leaseMs,
        retentionMs,
        owner ?? null,
        starts === 'first',
        fingerprints.slice(0, ids.length),
      ]);
      return rows.map((row): ClaimOutcome => {
        if (row['attempts'] !== null)
          return { status: 'claimed', attempt: row['attempts'] as number };
        if (row['done'] !== true) return { status: 'busy' };
        const fingerprint = row['fingerprint'];
        return typeof fingerprint === 'string'
          ? { status: 'done', fingerprint }
          : { status: 'done' };
      });
    },
    async complete(ids, options = {}) {
      const { owner, started, profiles = [] } = options;
      if (ids.length === 0 && started === undefined) return { refused: [] };
      const lazy = ids.length > 0 && ids.every((id) => effectsCommitted.has(id));
      for (const id of ids) effectsCommitted.delete(id);
      const { rows } = await query(lazy ? sql.completeLazy : sql.complete, [
        ids,
        retentionMs,
        profiles.map((each) => each.id),
        profiles.map((each) => each.event),
        profiles.map((each) => each.profileId),
        profiles.map((each) => each.processedAt ?? null),
        owner ?? null,
        started ?? null,
      ]);
      return { refused: (rows[0]?.['refused'] as string[] | undefined) ?? [] };
    },
    async release(ids, { failed = false, owner } = {}) {
      for (const id of ids) effectsCommitted.delete(id);
      if (ids.length > 0) await query(sql.release, [ids, failed, owner ?? null]);
    },
    async renew(ids, { leaseMs, owner }) {
      if (ids.length > 0) await query(sql.renew, [ids, leaseMs, owner ?? null]);
    },
    async addDeadLetter(letter) {
      await query(sql.deadLetter, [
        letter.id,
        letter.event,
        JSON.stringify(letter.webhook),
        letter.reason,
        letter.attempts,
        letter.error,
        letter.failedAt,
        letter.profileId ?? null,
      ]);
    },
    async processedSince(profileId, since, { limit = 20, excluding = '' } = {}) {
      const { rows } = await query(sql.processedSince, [profileId, since, excluding, limit]);
      return {
        count: (rows[0]?.['n'] as number | undefined) ?? 0,
        webhooks: rows.map((row) => ({
          id: row['id'] as string,
          event: row['event'] as string,
          processedAt: Math.round(row['at'] as number),
        })),
      };
    },
    async listDeadLetters({ limit = 100 } = {}) {
      const { rows } = await query(sql.listDeadLetters, [limit]);
      return rows.map(toLetter);
    },
    async getDeadLetter(id) {
      const { rows } = await query(sql.getDeadLetter, [id]);
      return rows[0] === undefined ? undefined : toLetter(rows[0]);
    },
    async deleteDeadLetter(id) {
      const { rows } = await query(sql.deleteDeadLetter, [id, retentionMs]);
      return (rows[0]?.['n'] as number) > 0;
    },
    async countDeadLetters() {
      const { rows } = await query(sql.countDeadLetters);
      return rows[0]?.['n'] as number;
    },
    async transactOnce(id, effect, options) {
      const value = await transactOnce(
        dialect,
        { lockWaitMs, lockPrefix },
        id,
        effect as (tx: PooledConnection) => Promise<never>,
        options,
      );
      effectCommitted(id);
      return value;
    },
    close() {
      clearInterval(timer);
    },
  };
}

function toLetter(row: Record<string, unknown>): DeadLetter {
  return {
    id: row['id'] as string,
    event: row['event'] as string,
    webhook: row['webhook'] as DeadLetter['webhook'],
    reason: row['reason'] as DeadLetter['reason'],
    error: row['error'] as string,
    attempts: row['attempts'] as number,
    failedAt: Math.round(row['failed_at'] as number),
    ...(typeof row['profile_id'] === 'string' ? { profileId: row['profile_id'] } : {}),
  };
}
