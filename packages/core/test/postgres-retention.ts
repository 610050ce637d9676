/**
 * A Postgres store at a real retention size: filling its tables with webhooks already handled,
 * and counting how often Postgres then reads a table whole.
 */
import pg from 'pg';
import { DATABASE_URL } from './services.js';

/**
 * Writes `count` webhooks (`old-1` ...) as handled, each with its ctx.transaction's effect record,
 * kept a week: what a store holds at a week's retention. Then ANALYZE, so that the planner knows
 * the tables are large rather than guessing from an empty start.
 */
export async function rememberHandledWebhooks(
  pool: pg.Pool,
  table: string,
  effectTable: string,
  count: number,
): Promise<void> {
  await pool.query(
    `INSERT INTO ${table} (id, state, attempts, expires_at, done_at)
     SELECT 'old-' || g, 'done', 0, now() + interval '7 days', now() FROM generate_series(1, $1) g`,
    [count],
  );
  await pool.query(
    `INSERT INTO ${effectTable} (id, effect_at) SELECT 'old-' || g, now() FROM generate_series(1, $1) g`,
    [count],
  );
  await pool.query(`ANALYZE ${table}, ${effectTable}`);
}

/**
 * How many times Postgres read each table whole, as its statistics count them. The store's
 * connection reports its counts when it next goes idle: pg_stat_force_next_flush makes that
 * now rather than up to a second later, so `pool` should be the store's one connection.
 */
export async function sequentialScans(pool: pg.Pool, tables: string[]): Promise<number[]> {
  await pool.query('SELECT pg_stat_force_next_flush()');
  const reader = new pg.Client({ connectionString: DATABASE_URL });
  await reader.connect();
  try {
    const { rows } = await reader.query<{ relname: string; seq_scan: string }>(
      'SELECT relname, seq_scan FROM pg_stat_user_tables WHERE relname = ANY($1)',
      [tables],
    );
    return tables.map((table) => Number(rows.find((row) => row.relname === table)?.seq_scan));
  } finally {
    await reader.end();
  }
}
