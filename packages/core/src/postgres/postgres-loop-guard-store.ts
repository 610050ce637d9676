import { ConfigurationError } from '../errors/configuration-error.js';
import { consoleLogger } from '../observability/console-logger.js';
import { type KnownOptions, refuseUnknownOptions } from '../options/refuse-unknown-options.js';
import { TABLE_NAME } from '../stores/table-name.js';
import type { LoopGuardStore } from '../sync/loop-guard-store.js';
import type { Queryable } from './postgres-pool.js';
import { survivePoolErrors } from './postgres-pool-errors.js';

/** The options it accepts: an unknown one is refused (see `refuseUnknownOptions`). */
const POSTGRES_LOOP_GUARD_STORE_OPTIONS = {
  pool: true,
  table: true,
  perProfile: true,
} as const satisfies KnownOptions<PostgresLoopGuardStoreOptions>;

/** Options of {@link postgresLoopGuardStore}. */
export interface PostgresLoopGuardStoreOptions {
  /** A `pg` Pool; it stays yours. */
  pool: Queryable;
  /** @default 'passfort_webhook_loop_guard' */
  table?: string;
  /**
   * Writes remembered per profile, awaiting their echoes; the soonest to expire are
   * forgotten first past it.
   * @default 1_000
   */
  perProfile?: number;
}

/** The Postgres loop-guard store, with its explicit migration. */
export interface PostgresLoopGuardStore extends LoopGuardStore {
  /**
   * Creates the table if it does not exist, and brings a table of an earlier version (one
   * row per profile and fingerprint) to one row per write. Run it once, at deploy time.
   */
  migrate(): Promise<void>;
}

/** Expired rows of any profile deleted by each write, so profiles never written again empty too. */
const SWEEP = 100;

/**
 * A {@link LoopGuardStore} on PostgreSQL, shared by every process. One row per write: its
 * profile, id, fingerprint, expiry and, once its echo was seen, the webhook that used it up
 * (a write used up without a webhook id is deleted).
 * Each write deletes up to 100 expired rows (of any profile) and keeps its profile within
 * `perProfile`, so the table holds about the writes of the last ttl and no more.
 */
export function postgresLoopGuardStore(
  options: PostgresLoopGuardStoreOptions,
): PostgresLoopGuardStore {
  refuseUnknownOptions('postgresLoopGuardStore', options, POSTGRES_LOOP_GUARD_STORE_OPTIONS);
  const table = options.table ?? 'passfort_webhook_loop_guard';
  if (!TABLE_NAME.test(table)) {
    throw new ConfigurationError(`Invalid Postgres table name: ${table}`);
  }
  const perProfile = options.perProfile ?? 1_000;
  if (!(perProfile >= 1)) {
    throw new ConfigurationError('postgresLoopGuardStore perProfile must be at least 1');
  }
  const index = `${table.split('.').pop()}_fingerprint`;
  const { pool } = options;
  // An idle connection's failure must not end the process (see survivePoolErrors).
  survivePoolErrors(pool, consoleLogger);
  return {
    async migrate() {
      await pool.query(`CREATE TABLE IF NOT EXISTS ${table} (
  profile_id text NOT NULL,
  write_id text NOT NULL,
  fingerprint text NOT NULL,
  expires_at timestamptz NOT NULL,
  used_by text,
  PRIMARY KEY (profile_id, write_id)
)`);
      // A table of the earlier version: one row per (profile_id, fingerprint), no write id.
      await pool.query(
        `ALTER TABLE ${table} ADD COLUMN IF NOT EXISTS write_id text, ADD COLUMN IF NOT EXISTS used_by text`,
      );
      await pool.query(`UPDATE ${table} SET write_id = fingerprint WHERE write_id IS NULL`);
      await pool.query(`ALTER TABLE ${table} ALTER COLUMN write_id SET NOT NULL`);
      await pool.query(`DO $$
DECLARE
  key_name text;
  key_columns text[];
BEGIN
  SELECT c.conname, array_agg(a.attname::text ORDER BY a.attnum)
    INTO key_name, key_columns
    FROM pg_constraint c
    JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = ANY (c.conkey)
   WHERE c.conrelid = '${table}'::regclass AND c.contype = 'p'
   GROUP BY c.conname;
  IF key_columns IS DISTINCT FROM ARRAY['profile_id', 'write_id'] THEN
    IF key_name IS NOT NULL THEN
      EXECUTE format('ALTER TABLE ${table} DROP CONSTRAINT %I', key_name);
    END IF;
    ALTER TABLE ${table} ADD PRIMARY KEY (profile_id, write_id);
  END IF;
END $$`);
      await pool.query(`CREATE INDEX IF NOT EXISTS ${index} ON ${table} (profile_id, fingerprint)`);
    },
    async remember(profileId, writeId, fingerprint, ttlMs) {
      // Data-modifying CTEs see one snapshot: the cap keeps perProfile - 1 of the rows that
      // were there, so with the new one the profile holds perProfile.
      await pool.query(
        `WITH swept AS (
  DELETE FROM ${table} WHERE ctid = ANY (ARRAY(
    SELECT ctid FROM ${table} WHERE expires_at <= now() LIMIT ${SWEEP}))
), capped AS (
  DELETE FROM ${table} WHERE profile_id = $1 AND write_id IN (
    SELECT write_id FROM ${table}
     WHERE profile_id = $1 AND write_id <> $2 AND expires_at > now()
     ORDER BY expires_at DESC OFFSET $5 - 1)
)
INSERT INTO ${table} (profile_id, write_id, fingerprint, expires_at, used_by)
VALUES ($1, $2, $3, now() + $4 * interval '1 millisecond', NULL)
ON CONFLICT (profile_id, write_id) DO UPDATE
  SET fingerprint = EXCLUDED.fingerprint, expires_at = EXCLUDED.expires_at, used_by = NULL`,
        [profileId, writeId, fingerprint, ttlMs, perProfile],
      );
    },
    async confirm(profileId, writeId, fingerprint, ttlMs) {
      await pool.query(
        `UPDATE ${table} SET fingerprint = $3, expires_at = now() + $4 * interval '1 millisecond'
WHERE profile_id = $1 AND write_id = $2 AND used_by IS NULL AND expires_at > now()`,
        [profileId, writeId, fingerprint, ttlMs],
      );
    },
    async forget(profileId, writeId) {
      await pool.query(`DELETE FROM ${table} WHERE profile_id = $1 AND write_id = $2`, [
        profileId,
        writeId,
      ]);
    },
    async take(profileId, fingerprint, webhookId) {
      // The row is locked while it is chosen, so two receivers never use up the same write.
      // With the webhook's id it is marked used by it (a redelivery counts again without
      // using up another write); without, nothing could ask again, so it is deleted.
      const { rows } = await pool.query(
        `WITH again AS (
  SELECT 1 FROM ${table}
   WHERE profile_id = $1 AND fingerprint = $2 AND used_by = $3 AND $3 <> '' AND expires_at > now()
   LIMIT 1
), chosen AS (
  SELECT write_id FROM ${table}
   WHERE profile_id = $1 AND fingerprint = $2 AND used_by IS NULL AND expires_at > now()
     AND NOT EXISTS (SELECT 1 FROM again)
   ORDER BY expires_at LIMIT 1
   FOR UPDATE
), marked AS (
  UPDATE ${table} t SET used_by = $3 FROM chosen
   WHERE $3 <> '' AND t.profile_id = $1 AND t.write_id = chosen.write_id AND t.used_by IS NULL
  RETURNING 1
), deleted AS (
  DELETE FROM ${table} t USING chosen
   WHERE $3 = '' AND t.profile_id = $1 AND t.write_id = chosen.write_id AND t.used_by IS NULL
  RETURNING 1
)
SELECT (SELECT count(*) FROM again) + (SELECT count(*) FROM marked)
     + (SELECT count(*) FROM deleted) AS found`,
        [profileId, fingerprint, webhookId ?? ''],
      );
      return Number(rows[0]?.['found'] ?? 0) > 0;
    },
  };
}
