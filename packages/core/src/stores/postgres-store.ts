import { createHash } from 'node:crypto';
import { ConfigurationError } from '../errors/configuration-error.js';
import { StoreUnavailableError } from '../errors/store-unavailable-error.js';
import { resolveLogger } from '../observability/console-logger.js';
import type { Logger } from '../observability/logger.js';
import { type KnownOptions, refuseUnknownOptions } from '../options/refuse-unknown-options.js';
import { postgresPoolRisks, warnAboutClientSettings } from './client-settings.js';
import type { ClaimOutcome, DeadLetter } from './dedupe-store.js';
import { DEFAULT_RETENTION_MS } from './dedupe-store.js';
import { survivePoolErrors } from './postgres-pool-errors.js';
import { recordedResult } from './transaction/recordable-result.js';
import { type TransactionDialect, transactOnce } from './transaction/transact-once.js';
import type { TransactionalStore } from './transactional-store.js';

/** The options it accepts: an unknown one is refused (see `refuseUnknownOptions`). */
const POSTGRES_STORE_OPTIONS = {
  pool: true,
  table: true,
  deadLetterTable: true,
  effectTable: true,
  retentionMs: true,
  transactionLockWaitMs: true,
  pruneIntervalMs: true,
  logger: true,
} as const satisfies KnownOptions<PostgresStoreOptions>;

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

/** A table name the SQL stores accept: letters, digits and underscores, optionally schema-qualified. */
export const IDENTIFIER = /^[a-z_][a-z0-9_]*(\.[a-z_][a-z0-9_]*)?$/i;

/** The SQL that `migrate()` runs, for teams that apply migrations with their own tool. */
export function postgresSchemaSql(
  table = 'passfort_webhook_ids',
  deadLetterTable = 'passfort_webhook_dead_letters',
  // The store's own default: beside a table of another name, its own effects table.
  effectTable = table === 'passfort_webhook_ids' ? 'passfort_webhook_effects' : `${table}_effects`,
): string {
  for (const name of [table, deadLetterTable, effectTable]) {
    if (!IDENTIFIER.test(name))
      throw new ConfigurationError(`Invalid Postgres table name: ${name}`);
  }
  const prefix = table.replace('.', '_');
  return `CREATE TABLE IF NOT EXISTS ${table} (
  id text PRIMARY KEY,
  state text NOT NULL CHECK (state IN ('claimed', 'released', 'done')),
  lease_until timestamptz,
  attempts integer NOT NULL DEFAULT 0,
  expires_at timestamptz NOT NULL,
  effect_at timestamptz,
  effect_result text,
  event text,
  profile_id text,
  done_at timestamptz,
  owner text,
  started boolean,
  fingerprint text
);
-- effect_at / effect_result: where versions before 0.6 recorded effects (copied below).
-- owner: who holds the claim (fencing); started: its run is counted (NULL on a claim made
-- before it existed: counted); fingerprint: the claimed webhook's (event and payload hash).
ALTER TABLE ${table} ADD COLUMN IF NOT EXISTS effect_at timestamptz,
  ADD COLUMN IF NOT EXISTS effect_result text,
  ADD COLUMN IF NOT EXISTS event text,
  ADD COLUMN IF NOT EXISTS profile_id text,
  ADD COLUMN IF NOT EXISTS done_at timestamptz,
  ADD COLUMN IF NOT EXISTS owner text,
  ADD COLUMN IF NOT EXISTS started boolean,
  ADD COLUMN IF NOT EXISTS fingerprint text;
CREATE INDEX IF NOT EXISTS ${prefix}_expires_at ON ${table} (expires_at);
CREATE INDEX IF NOT EXISTS ${prefix}_profile_done ON ${table} (profile_id, done_at)
  WHERE profile_id IS NOT NULL;
CREATE TABLE IF NOT EXISTS ${deadLetterTable} (
  id text PRIMARY KEY,
  event text NOT NULL,
  webhook jsonb NOT NULL,
  reason text NOT NULL,
  error text NOT NULL,
  attempts integer NOT NULL,
  failed_at timestamptz NOT NULL,
  profile_id text
);
ALTER TABLE ${deadLetterTable} ADD COLUMN IF NOT EXISTS profile_id text;
CREATE TABLE IF NOT EXISTS ${effectTable} (
  id text PRIMARY KEY,
  effect_at timestamptz NOT NULL,
  result text
);
INSERT INTO ${effectTable} (id, effect_at, result)
  SELECT id, effect_at, effect_result FROM ${table} WHERE effect_at IS NOT NULL
  ON CONFLICT (id) DO NOTHING;
-- A dead letter's id is remembered while the letter exists, so a late replay finds its effect.
UPDATE ${table} SET expires_at = 'infinity'
  WHERE id IN (SELECT id FROM ${deadLetterTable}) AND expires_at <> 'infinity';`;
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

  // $4 owner, $5 true when only the first id's run starts now (else every id's), $6 the
  // fingerprints. attempts counts runs; a claim that counts its own run sets started.
  // Committed without waiting for its WAL flush (see ASYNC_COMMIT): nothing is acknowledged
  // on a claim alone, and whatever acknowledges the webhook (its completion, its release,
  // ctx.transaction's commit) is flushed later, and flushes the claim with it.
  const claimSql = `WITH input AS (
  SELECT id, fp, ord, (ord = 1 OR NOT $5::boolean) AS counts
  FROM unnest($1::text[], $6::text[]) WITH ORDINALITY AS t(id, fp, ord)
), claimed AS (
  INSERT INTO ${table} AS w (id, state, lease_until, attempts, expires_at, owner, started, fingerprint)
  SELECT id, 'claimed', now() + $2 * interval '1 millisecond', CASE WHEN counts THEN 1 ELSE 0 END,
    now() + $3 * interval '1 millisecond', $4, counts, fp
  -- rows are locked in id order, so claimers of overlapping batches cannot deadlock
  FROM input WHERE id IS NOT NULL ORDER BY id
  ON CONFLICT (id) DO UPDATE SET
    state = 'claimed',
    lease_until = EXCLUDED.lease_until,
    attempts = CASE WHEN w.state = 'done' THEN 0 ELSE w.attempts END + EXCLUDED.attempts,
    started = EXCLUDED.started,
    owner = EXCLUDED.owner,
    fingerprint = EXCLUDED.fingerprint,
    expires_at = EXCLUDED.expires_at,
    done_at = NULL
  WHERE (w.state = 'done' AND w.expires_at <= now())
     OR (w.state = 'released')
     OR (w.state = 'claimed' AND w.lease_until <= now())
  RETURNING w.id, w.attempts, w.started
)
SELECT claimed.attempts + CASE WHEN claimed.started THEN 0 ELSE 1 END AS attempts,
       (existing.state = 'done' AND existing.expires_at > now()) AS done,
       existing.fingerprint AS fingerprint,
       (SELECT ${ASYNC_COMMIT}) AS lazy
FROM input
LEFT JOIN claimed ON claimed.id = input.id
LEFT JOIN ${table} existing ON existing.id = input.id
WHERE input.id IS NOT NULL
ORDER BY input.ord`;

  // Completions name the profile of the webhooks that have one, so that a replayed dead letter
  // can learn which newer webhooks for its profile were processed after it. $7 the owner: a
  // row another owner holds is left as it is, and its id returned as refused (the conflict's
  // WHERE reads the row as locked, so a claim taken over meanwhile is seen). $8 an id whose run
  // starts now: counted, once, if this owner still holds it (see CompleteOptions.started).
  const completeSql = `WITH mark AS (
  UPDATE ${table} SET started = true, attempts = attempts + 1
  WHERE id = $8 AND state = 'claimed' AND started = false AND lease_until > now()
    AND ($7::text IS NULL OR owner IS NULL OR owner = $7) AND NOT (id = ANY($1::text[]))
), done AS (
  INSERT INTO ${table} AS w (id, state, lease_until, attempts, expires_at, event, profile_id, done_at, owner)
  SELECT t.id, 'done', NULL, 0, now() + $2 * interval '1 millisecond', p.event, p.profile_id,
    -- in whole milliseconds, as processedSince() reports and compares it
    coalesce(to_timestamp(p.at / 1000), date_trunc('milliseconds', clock_timestamp())), $7
  FROM unnest($1::text[]) AS t(id)
  LEFT JOIN unnest($3::text[], $4::text[], $5::text[], $6::float8[]) AS p(id, event, profile_id, at)
    ON p.id = t.id
  ORDER BY t.id
  ON CONFLICT (id) DO UPDATE SET state = 'done', lease_until = NULL, expires_at = EXCLUDED.expires_at,
    event = coalesce(EXCLUDED.event, w.event), profile_id = coalesce(EXCLUDED.profile_id, w.profile_id),
    done_at = EXCLUDED.done_at, owner = coalesce(EXCLUDED.owner, w.owner)
  WHERE $7::text IS NULL OR w.owner IS NULL OR w.owner = $7
  RETURNING w.id
)
SELECT coalesce(array_agg(t.id), '{}') AS refused FROM unnest($1::text[]) AS t(id)
WHERE t.id NOT IN (SELECT id FROM done)`;
  // The same for ids whose ctx.transaction committed (see effectsCommitted): without waiting
  // for the WAL flush. Their effect and its record are durable already; if a crash of the
  // database lost this write, the id is a claim again, whose redelivery (once its lease ended)
  // finds the effect recorded and does not run it again: only work outside the transaction runs
  // again, which is at-least-once anyway.
  const completeLazySql = completeSql.replace(
    'AS refused FROM unnest',
    `AS refused, (SELECT ${ASYNC_COMMIT}) AS lazy FROM unnest`,
  );

  // $2: the handlers ran and failed (their run is counted if it was not), else they never
  // started (a run counted is taken back); $3 the owner. A released claim is nobody's.
  const releaseSql = `UPDATE ${table}
SET state = 'released', lease_until = NULL, owner = NULL, started = false,
  attempts = attempts + CASE WHEN $2 THEN CASE WHEN coalesce(started, true) THEN 0 ELSE 1 END
                             ELSE CASE WHEN coalesce(started, true) THEN -1 ELSE 0 END END
WHERE id = ANY($1::text[]) AND state = 'claimed' AND ($3::text IS NULL OR owner IS NULL OR owner = $3)`;

  // Live claims of this owner only: an ended lease may already be someone else's to take. A
  // row locked at this moment (a claim or a completion of it in flight) is skipped, never
  // waited for: the next renewal, a third of a lease later, extends it.
  const renewSql = `UPDATE ${table} SET lease_until = now() + $2 * interval '1 millisecond'
WHERE id IN (SELECT id FROM ${table} WHERE id = ANY($1::text[]) AND state = 'claimed'
  AND lease_until > now() AND ($3::text IS NULL OR owner IS NULL OR owner = $3)
  ORDER BY id FOR UPDATE SKIP LOCKED)`;

  // The id is remembered (expires 'infinity') while its letter exists: a replay weeks later
  // must find the effect its transaction recorded, and a redelivery must still be a duplicate.
  const deadLetterSql = `WITH done AS (
  INSERT INTO ${table} (id, state, lease_until, attempts, expires_at)
  VALUES ($1, 'done', NULL, $5, 'infinity')
  ON CONFLICT (id) DO UPDATE SET state = 'done', lease_until = NULL, expires_at = 'infinity', done_at = NULL
)
INSERT INTO ${deadTable} (id, event, webhook, reason, error, attempts, failed_at, profile_id)
VALUES ($1, $2, $3::jsonb, $4, $6, $5, to_timestamp($7::double precision / 1000), $8)
ON CONFLICT (id) DO UPDATE SET event = EXCLUDED.event, webhook = EXCLUDED.webhook,
  reason = EXCLUDED.reason, error = EXCLUDED.error, attempts = EXCLUDED.attempts,
  failed_at = EXCLUDED.failed_at, profile_id = EXCLUDED.profile_id`;

  // Once the letter is gone, its id is remembered for the retention from now.
  const deleteDeadLetterSql = `WITH gone AS (DELETE FROM ${deadTable} WHERE id = $1 RETURNING id),
unpinned AS (
  UPDATE ${table} SET expires_at = now() + $2 * interval '1 millisecond'
  WHERE id IN (SELECT id FROM gone) AND expires_at = 'infinity'
)
SELECT count(*)::int AS n FROM gone`;

  const processedSinceSql = `SELECT id, event, (extract(epoch FROM done_at) * 1000)::float8 AS at,
  count(*) OVER ()::int AS n
FROM ${table}
WHERE profile_id = $1 AND state = 'done' AND done_at > to_timestamp($2::double precision / 1000)
  AND id <> $3
ORDER BY done_at, id LIMIT $4`;

  const letterColumns = `id, event, webhook, reason, error, attempts,
  (extract(epoch FROM failed_at) * 1000)::float8 AS failed_at, profile_id`;

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

  /**
   * A missing table is the usual first-run mistake, and a missing column the usual upgrade
   * mistake: their errors say how to fix it instead of only "relation … does not exist".
   */
  function explained(error: unknown): unknown {
    const code = (error as { code?: unknown }).code;
    if (code === '42P01') {
      return new StoreUnavailableError(
        `The dedupe tables ${table} / ${deadTable} / ${effectTable} do not exist: did you call \`await store.migrate()\` (or apply postgresSchemaSql()) at start-up? After an upgrade, run it again`,
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

  /**
   * Deletes the ids whose retention passed, with their effect records. An id with a dead
   * letter stays whatever its expiry says (a table from an earlier version may not have it
   * pinned yet), and so does its effect record: a replay of the letter must find it.
   */
  async function prune(): Promise<number> {
    const result = await query(
      `WITH gone AS (
  DELETE FROM ${table} w WHERE expires_at < now()
    AND NOT EXISTS (SELECT 1 FROM ${deadTable} d WHERE d.id = w.id)
  RETURNING id
), effects AS (DELETE FROM ${effectTable} WHERE id IN (SELECT id FROM gone))
SELECT count(*)::int AS n FROM gone`,
    );
    // Effect records whose id is not remembered at all (a transaction run outside a claim)
    // go once they are older than the retention.
    await query(
      `DELETE FROM ${effectTable} e WHERE effect_at < now() - $1 * interval '1 millisecond'
  AND NOT EXISTS (SELECT 1 FROM ${table} w WHERE w.id = e.id)
  AND NOT EXISTS (SELECT 1 FROM ${deadTable} d WHERE d.id = e.id)`,
      [retentionMs],
    );
    return (result.rows[0]?.['n'] as number | undefined) ?? 0;
  }

  /**
   * Ids whose ctx.transaction committed (or found its effect committed) in this process and
   * that are not completed yet: their completion need not wait for its own WAL flush (see
   * completeLazySql). Bounded; an id forgotten is completed the usual way.
   */
  const effectsCommitted = new Set<string>();
  function effectCommitted(id: string): void {
    effectsCommitted.add(id);
    if (effectsCommitted.size > 4096) {
      effectsCommitted.delete(effectsCommitted.values().next().value as string);
    }
  }

  const connectable = pool as unknown as Partial<ConnectablePool>;
  const dialect: TransactionDialect<PooledConnection> = {
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
      /^(?:BEGIN|START\s+TRANSACTION|COMMIT|END|ROLLBACK(?!\s+TO)|ABORT|PREPARE\s+TRANSACTION|SET\s+(?:SESSION\s+)?(?:CHARACTERISTICS|TRANSACTION\s+SNAPSHOT))\b/i,
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
    isRetryable(error) {
      const code = (error as { code?: unknown } | null)?.code;
      return code === '40001' || code === '40P01';
    },
    explain: explained,
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
SELECT ${MARKS}`,
        6,
      );
      if (results[1]!.rows[0]?.['locked'] !== true) {
        await connection.query('ROLLBACK');
        return { locked: false };
      }
      const row = results[2]!.rows[0];
      const holder = typeof row?.['holder'] === 'string' ? row['holder'] : undefined;
      const marks = results[5]!.rows[0];
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
      // The record is inserted while the transaction is still fn's and no other owner holds the
      // claim (else the statement fails, so nothing after it runs: the caller rolls back); or,
      // when fn ended the transaction itself, unless Postgres says that one rolled back (as
      // transactOnce does step by step). Then the commit, then the unlock.
      let results: Array<{ rows: Record<string, unknown>[] }>;
      try {
        results = await multiple(
          connection,
          `WITH m AS (SELECT ${MARKS}),
ins AS (
  INSERT INTO ${effectTable} (id, effect_at, result)
  SELECT ${sqlText(id)}, clock_timestamp(), ${result === null ? 'NULL' : sqlText(result)} FROM m
  WHERE CASE WHEN m.pfw_transaction = '${xid}' THEN NOT EXISTS (
      SELECT 1 FROM ${table} WHERE id = ${sqlText(id)} AND owner IS NOT NULL
        AND owner <> ${owner === undefined ? 'NULL' : sqlText(owner)})
    ELSE pg_xact_status('${xid}'::xid8) IS DISTINCT FROM 'aborted' END
  RETURNING id
)
SELECT m.pfw_transaction, m.pfw_session, r.n AS recorded,
  CASE WHEN m.pfw_transaction = '${xid}' AND r.n = 0
    THEN ('${TAKEN_OVER} ' || r.n)::int END AS refused
FROM m, (SELECT count(*)::int AS n FROM ins) r;
COMMIT;
SELECT pg_advisory_unlock(${lockNumber(key)})`,
          3,
        );
      } catch (error) {
        if (String((error as { message?: unknown }).message).includes(TAKEN_OVER)) {
          return { outcome: 'refused' };
        }
        throw error;
      }
      const row = results[0]!.rows[0];
      const after = {
        transaction: row?.['pfw_transaction'] as string | undefined,
        session: String(row?.['pfw_session']),
      };
      return after.transaction === xid
        ? { outcome: 'committed', after }
        : { outcome: 'ended', after, recorded: Number(row?.['recorded']) > 0 };
    },
  };
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
      const { rows } = await query(claimSql, [
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
      const { rows } = await query(lazy ? completeLazySql : completeSql, [
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
      if (ids.length > 0) await query(releaseSql, [ids, failed, owner ?? null]);
    },
    async renew(ids, { leaseMs, owner }) {
      if (ids.length > 0) await query(renewSql, [ids, leaseMs, owner ?? null]);
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
        letter.profileId ?? null,
      ]);
    },
    async processedSince(profileId, since, { limit = 20, excluding = '' } = {}) {
      const { rows } = await query(processedSinceSql, [profileId, since, excluding, limit]);
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
      const { rows } = await query(deleteDeadLetterSql, [id, retentionMs]);
      return (rows[0]?.['n'] as number) > 0;
    },
    async countDeadLetters() {
      const { rows } = await query(`SELECT count(*)::int AS n FROM ${deadTable}`);
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

/**
 * Set in a statement, makes its transaction commit without waiting for the WAL flush: a crash
 * of the database (not of the process) may lose it, never reorder it (a later flushed commit
 * flushes it too). 1 ms against 0.05 ms here: the flush, not the round trip, was most of what
 * a claim and a completion cost (BENCHMARKS.md, issue 40).
 */
const ASYNC_COMMIT = "set_config('synchronous_commit', 'off', true)";

/** What the record's statement fails with when another owner holds the claim. */
const TAKEN_OVER = 'passfort-webhooks: claim taken over, recorded';

/** A string as an SQL expression of hex digits only: no quoting, setting or content escapes it. */
function sqlText(value: string): string {
  return `convert_from(decode('${Buffer.from(value, 'utf8').toString('hex')}', 'hex'), 'UTF8')`;
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

/** See `connect()` in the transaction dialect: the rejection of the query carries the failure. */
function swallowConnectionError(): void {}
