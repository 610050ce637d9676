import { ConfigurationError } from '../errors/configuration-error.js';
import { StoreUnavailableError } from '../errors/store-unavailable-error.js';
import { TABLE_NAME } from '../stores/table-name.js';

/** The SQL that `migrate()` runs, for teams that apply migrations with their own tool. */
export function postgresSchemaSql(
  table = 'passfort_webhook_ids',
  deadLetterTable = 'passfort_webhook_dead_letters',
  // The store's own default: beside a table of another name, its own effects table.
  effectTable = table === 'passfort_webhook_ids' ? 'passfort_webhook_effects' : `${table}_effects`,
): string {
  for (const name of [table, deadLetterTable, effectTable]) {
    if (!TABLE_NAME.test(name))
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
 * A missing table is the usual first-run mistake, and a missing column the usual upgrade
 * mistake: their errors say how to fix it instead of only "relation … does not exist".
 */
export function explainMissingSchema(
  error: unknown,
  table: string,
  deadTable: string,
  effectTable: string,
): unknown {
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
