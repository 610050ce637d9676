import { ConfigurationError } from '../errors/configuration-error.js';
import { consoleLogger } from '../observability/console-logger.js';
import { survivePoolErrors } from '../stores/postgres-pool-errors.js';
import type { Queryable } from '../stores/postgres-store.js';
import type { LoopGuardStore } from './loop-guard-store.js';

/** Options of {@link postgresLoopGuardStore}. */
export interface PostgresLoopGuardStoreOptions {
  /** A `pg` Pool; it stays yours. */
  pool: Queryable;
  /** @default 'passfort_webhook_loop_guard' */
  table?: string;
}

/** The Postgres loop-guard store, with its explicit migration. */
export interface PostgresLoopGuardStore extends LoopGuardStore {
  /** Creates the table if it does not exist. Run it once, at deploy time. */
  migrate(): Promise<void>;
}

/**
 * A {@link LoopGuardStore} on PostgreSQL, shared by every process. One row per profile and
 * fingerprint; expired rows are deleted as new ones are written for the profile.
 */
export function postgresLoopGuardStore(
  options: PostgresLoopGuardStoreOptions,
): PostgresLoopGuardStore {
  const table = options.table ?? 'passfort_webhook_loop_guard';
  if (!/^[a-z_][a-z0-9_]*(\.[a-z_][a-z0-9_]*)?$/i.test(table)) {
    throw new ConfigurationError(`Invalid Postgres table name: ${table}`);
  }
  const { pool } = options;
  // An idle connection's failure must not end the process (see survivePoolErrors).
  survivePoolErrors(pool, consoleLogger);
  return {
    async migrate() {
      await pool.query(`CREATE TABLE IF NOT EXISTS ${table} (
  profile_id text NOT NULL,
  fingerprint text NOT NULL,
  expires_at timestamptz NOT NULL,
  PRIMARY KEY (profile_id, fingerprint)
)`);
    },
    async remember(profileId, fingerprint, ttlMs) {
      await pool.query(
        `WITH pruned AS (DELETE FROM ${table} WHERE profile_id = $1 AND expires_at < now())
INSERT INTO ${table} (profile_id, fingerprint, expires_at)
VALUES ($1, $2, now() + $3 * interval '1 millisecond')
ON CONFLICT (profile_id, fingerprint) DO UPDATE SET expires_at = EXCLUDED.expires_at`,
        [profileId, fingerprint, ttlMs],
      );
    },
    async isRemembered(profileId, fingerprint) {
      const { rows } = await pool.query(
        `SELECT 1 FROM ${table} WHERE profile_id = $1 AND fingerprint = $2 AND expires_at > now()`,
        [profileId, fingerprint],
      );
      return rows.length > 0;
    },
  };
}
