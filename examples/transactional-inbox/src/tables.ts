/**
 * The app's own tables, in the same Postgres database as the dedupe store: an application's
 * current status, and an audit trail of every status change a webhook applied. The trail has
 * no unique constraint on the webhook id on purpose: a doubled effect would show as a
 * second row, which is what ctx.transaction prevents.
 */
import type pg from 'pg';

export const createTablesSql = `CREATE TABLE IF NOT EXISTS applications (
  id text PRIMARY KEY,
  status text NOT NULL
);
CREATE TABLE IF NOT EXISTS status_changes (
  seq bigserial PRIMARY KEY,
  webhook_id text NOT NULL,
  application_id text NOT NULL,
  status text NOT NULL
);`;

export async function createTables(pool: pg.Pool): Promise<void> {
  await pool.query(createTablesSql);
}
