import { ConfigurationError } from '../errors/configuration-error.js';
import { TABLE_NAME } from '../stores/table-name.js';

/** The tables of one SQLite store. */
export interface SqliteTables {
  readonly ids: string;
  readonly deadLetters: string;
  readonly effects: string;
}

/** The far-future expiry (9999-12-31, epoch ms) of an id whose dead letter exists. */
export const PINNED = 253_402_300_799_999;

/**
 * The database's clock in epoch milliseconds. Leases are measured by it, never by a caller's
 * `Date.now()`: on one machine every process reads the same clock, and on Turso the server's.
 */
export const NOW = `CAST((julianday('now') - 2440587.5) * 86400000.0 AS INTEGER)`;

/** The store's table names from its options, checked (they are written into SQL). */
export function sqliteTables(
  table = 'passfort_webhook_ids',
  deadLetterTable = 'passfort_webhook_dead_letters',
  // Beside a table of another name, its own effects table: two stores never share records.
  effectTable = table === 'passfort_webhook_ids' ? 'passfort_webhook_effects' : `${table}_effects`,
): SqliteTables {
  for (const name of [table, deadLetterTable, effectTable]) {
    if (!TABLE_NAME.test(name)) throw new ConfigurationError(`Invalid SQLite table name: ${name}`);
  }
  return { ids: table, deadLetters: deadLetterTable, effects: effectTable };
}

/** `schema.name` → the index name in that schema, and the table name an index is ON. */
function indexOn(table: string, suffix: string): { index: string; on: string } {
  const parts = table.split('.');
  const bare = parts.pop()!;
  return { index: [...parts, `${bare}_${suffix}`].join('.'), on: bare };
}

/**
 * The SQL that `migrate()` runs, for teams that apply migrations with their own tool. Times
 * are epoch milliseconds (INTEGER); ids are TEXT compared by their exact bytes (BINARY).
 */
export function sqliteSchemaSql(
  table?: string,
  deadLetterTable?: string,
  effectTable?: string,
): string {
  const t = sqliteTables(table, deadLetterTable, effectTable);
  const expires = indexOn(t.ids, 'expires_at');
  const profile = indexOn(t.ids, 'profile_done');
  return `CREATE TABLE IF NOT EXISTS ${t.ids} (
  id TEXT PRIMARY KEY,
  state TEXT NOT NULL CHECK (state IN ('claimed', 'released', 'done')),
  lease_until INTEGER,
  attempts INTEGER NOT NULL DEFAULT 0,
  expires_at INTEGER NOT NULL,
  event TEXT,
  profile_id TEXT,
  done_at INTEGER,
  owner TEXT,
  started INTEGER,
  fingerprint TEXT
);
CREATE INDEX IF NOT EXISTS ${expires.index} ON ${expires.on} (expires_at);
CREATE INDEX IF NOT EXISTS ${profile.index} ON ${profile.on} (profile_id, done_at)
  WHERE profile_id IS NOT NULL;
CREATE TABLE IF NOT EXISTS ${t.deadLetters} (
  id TEXT PRIMARY KEY,
  event TEXT NOT NULL,
  webhook TEXT NOT NULL,
  reason TEXT NOT NULL,
  error TEXT NOT NULL,
  attempts INTEGER NOT NULL,
  failed_at INTEGER NOT NULL,
  profile_id TEXT
);
CREATE TABLE IF NOT EXISTS ${t.effects} (
  id TEXT PRIMARY KEY,
  effect_at INTEGER NOT NULL,
  result TEXT
);
-- A dead letter's id is remembered while the letter exists, so a late replay finds its effect.
UPDATE ${t.ids} SET expires_at = ${PINNED}
  WHERE id IN (SELECT id FROM ${t.deadLetters}) AND expires_at <> ${PINNED};`;
}
