import { ConfigurationError } from '../errors/configuration-error.js';
import type { KnownOptions } from '../options/refuse-unknown-options.js';
import { refuseUnknownOptions } from '../options/refuse-unknown-options.js';
import type { LoopGuardStore } from '../sync/loop-guard-store.js';
import { retryWhileBusy } from './sqlite-busy.js';
import type { SqliteDriver } from './sqlite-driver.js';
import { NOW, sqliteTables } from './sqlite-schema.js';

/** Options of {@link sqliteLoopGuardStore}. */
export interface SqliteLoopGuardStoreOptions {
  /** The same driver as the dedupe store's, or another one on the same file. */
  driver: SqliteDriver;
  /** @default 'passfort_webhook_loop_guard' */
  table?: string;
  /** Writes remembered per profile; the soonest to expire are forgotten first past it. @default 1_000 */
  perProfile?: number;
  /** How long a statement waits for another connection's write lock. @default 5_000 */
  busyTimeoutMs?: number;
}

const OPTIONS = {
  driver: true,
  table: true,
  perProfile: true,
  busyTimeoutMs: true,
} as const satisfies KnownOptions<SqliteLoopGuardStoreOptions>;

/** The SQLite loop-guard store, with its explicit migration. */
export interface SqliteLoopGuardStore extends LoopGuardStore {
  /** Creates the table if it does not exist. Run it once, at start-up or deploy. */
  migrate(): Promise<void>;
}

/** Expired rows of any profile deleted by each write, so profiles never written again empty too. */
const SWEEP = 100;

/**
 * A {@link LoopGuardStore} on SQLite, shared by the processes using the file. One row per
 * write, as on Postgres; `take` chooses and uses up a write inside one write transaction, so
 * two receivers never use up the same one.
 */
export function sqliteLoopGuardStore(options: SqliteLoopGuardStoreOptions): SqliteLoopGuardStore {
  refuseUnknownOptions('sqliteLoopGuardStore', options, OPTIONS);
  const { driver } = options;
  const table = sqliteTables(options.table ?? 'passfort_webhook_loop_guard').ids;
  const perProfile = options.perProfile ?? 1_000;
  if (!(perProfile >= 1)) {
    throw new ConfigurationError('sqliteLoopGuardStore perProfile must be at least 1');
  }
  const busyTimeoutMs = options.busyTimeoutMs ?? 5_000;
  const parts = table.split('.');
  const bare = parts.pop()!;
  const index = [...parts, `${bare}_fingerprint`].join('.');
  const batch = (statements: Parameters<SqliteDriver['batch']>[0]) =>
    retryWhileBusy(busyTimeoutMs, () => driver.batch(statements));
  const live = `profile_id = ? AND fingerprint = ? AND expires_at > ${NOW}`;

  return {
    async migrate() {
      await retryWhileBusy(busyTimeoutMs, () =>
        driver.exec(`CREATE TABLE IF NOT EXISTS ${table} (
  profile_id TEXT NOT NULL,
  write_id TEXT NOT NULL,
  fingerprint TEXT NOT NULL,
  expires_at INTEGER NOT NULL,
  used_by TEXT,
  PRIMARY KEY (profile_id, write_id)
);
CREATE INDEX IF NOT EXISTS ${index} ON ${bare} (profile_id, fingerprint);`),
      );
    },
    async remember(profileId, writeId, fingerprint, ttlMs) {
      await batch([
        {
          sql: `DELETE FROM ${table} WHERE rowid IN (SELECT rowid FROM ${table} WHERE expires_at <= ${NOW} LIMIT ${SWEEP})`,
        },
        {
          // Keeps perProfile - 1 of the others: with the new one, the profile holds perProfile.
          sql: `DELETE FROM ${table} WHERE profile_id = ? AND write_id IN (
  SELECT write_id FROM ${table} WHERE profile_id = ? AND write_id <> ? AND expires_at > ${NOW}
  ORDER BY expires_at DESC LIMIT -1 OFFSET ?)`,
          args: [profileId, profileId, writeId, perProfile - 1],
        },
        {
          sql: `INSERT INTO ${table} (profile_id, write_id, fingerprint, expires_at, used_by)
VALUES (?, ?, ?, ${NOW} + ?, NULL)
ON CONFLICT (profile_id, write_id) DO UPDATE
  SET fingerprint = excluded.fingerprint, expires_at = excluded.expires_at, used_by = NULL`,
          args: [profileId, writeId, fingerprint, ttlMs],
        },
      ]);
    },
    async confirm(profileId, writeId, fingerprint, ttlMs) {
      await batch([
        {
          sql: `UPDATE ${table} SET fingerprint = ?, expires_at = ${NOW} + ?
WHERE profile_id = ? AND write_id = ? AND used_by IS NULL AND expires_at > ${NOW}`,
          args: [fingerprint, ttlMs, profileId, writeId],
        },
      ]);
    },
    async forget(profileId, writeId) {
      await batch([
        {
          sql: `DELETE FROM ${table} WHERE profile_id = ? AND write_id = ?`,
          args: [profileId, writeId],
        },
      ]);
    },
    async take(profileId, fingerprint, webhookId = '') {
      // With the webhook's id the write is marked used by it (a redelivery counts again
      // without using up another write); without, nothing could ask again: it is deleted.
      const oldest = `SELECT rowid FROM ${table} WHERE ${live} AND used_by IS NULL ORDER BY expires_at LIMIT 1`;
      const [again = [], marked = [], deleted = []] = await batch([
        {
          sql: `SELECT count(*) AS n FROM ${table} WHERE ${live} AND used_by = ? AND ? <> ''`,
          args: [profileId, fingerprint, webhookId, webhookId],
        },
        {
          sql: `UPDATE ${table} SET used_by = ? WHERE ? <> '' AND rowid = (${oldest})
  AND NOT EXISTS (SELECT 1 FROM ${table} WHERE ${live} AND used_by = ?) RETURNING 1 AS hit`,
          args: [webhookId, webhookId, profileId, fingerprint, profileId, fingerprint, webhookId],
        },
        {
          sql: `DELETE FROM ${table} WHERE ? = '' AND rowid = (${oldest}) RETURNING 1 AS hit`,
          args: [webhookId, profileId, fingerprint],
        },
      ]);
      return Number(again[0]?.['n'] ?? 0) > 0 || marked.length > 0 || deleted.length > 0;
    },
  };
}
