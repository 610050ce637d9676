import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { DATABASE_URL, postgresAvailable, uniqueName } from '../../test/services.js';
import { createPassfortWebhooks } from '../create-passfort-webhooks.js';
import { postgresStore } from './postgres-dedupe-store.js';

// Without Postgres, postgresAvailable() prints the one-line reason (and fails under CI=true).
const available = await postgresAvailable();

const SECRET = 'index-test-secret';
const REMEMBERED = 20_000;

/**
 * How many times Postgres read each table whole, as its statistics count them. The store's
 * connection reports its counts when it next goes idle: pg_stat_force_next_flush makes that
 * now rather than up to a second later.
 */
async function sequentialScans(pool: pg.Pool, tables: string[]): Promise<number[]> {
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

describe.runIf(available)('postgresStore at a real retention size', () => {
  it(`with ${REMEMBERED} ids remembered, no webhook or ctx.transaction reads the ids or effects table whole`, async () => {
    // One connection: every statement of the store and of ctx.transaction runs on the backend
    // whose counts are flushed above.
    const pool = new pg.Pool({ connectionString: DATABASE_URL, max: 1 });
    const table = uniqueName('pfw_idx');
    const effectTable = `${table}_effects`;
    const business = `${table}_decisions`;
    const store = postgresStore({
      pool,
      table,
      deadLetterTable: `${table}_dead`,
      logger: false,
      pruneIntervalMs: 0,
    });
    try {
      await store.migrate();
      // A week of webhooks already handled, each with its transaction's effect record.
      await pool.query(
        `INSERT INTO ${table} (id, state, attempts, expires_at, done_at)
         SELECT 'old-' || g, 'done', 0, now() + interval '7 days', now() FROM generate_series(1, $1) g`,
        [REMEMBERED],
      );
      await pool.query(
        `INSERT INTO ${effectTable} (id, effect_at) SELECT 'old-' || g, now() FROM generate_series(1, $1) g`,
        [REMEMBERED],
      );
      await pool.query(`CREATE TABLE ${business} (webhook_id text PRIMARY KEY, decision text)`);
      await pool.query(`ANALYZE ${table}, ${effectTable}`);

      const webhooks = createPassfortWebhooks({ secret: SECRET, store, logger: false });
      let runs = 0;
      webhooks.on('CHECK_COMPLETED', async (event, ctx) => {
        await ctx.transaction(async (tx) => {
          runs++;
          await tx.query(`INSERT INTO ${business} VALUES ($1, $2)`, [event.id, 'PASS']);
        });
      });
      const before = await sequentialScans(pool, [table, effectTable]);
      // More than five of each: a named statement's plan can turn generic from the sixth on.
      for (let i = 0; i < 12; i++) {
        const id = `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`;
        const body = JSON.stringify({
          id,
          event: 'CHECK_COMPLETED',
          secret: SECRET,
          timestamp: 1568997222,
          data: { profile_id: `p-${i}`, check: { id: `c-${i}`, decision: 'PASS' } },
        });
        const headers = { authorization: `Bearer ${SECRET}`, 'content-type': 'application/json' };
        expect((await webhooks.handle({ method: 'POST', headers, body })).status).toBe(200);
        // And its redelivery: a duplicate, answered without running anything.
        expect((await webhooks.handle({ method: 'POST', headers, body })).status).toBe(200);
      }
      await webhooks.close();
      expect(runs).toBe(12);
      expect((await pool.query(`SELECT count(*)::int AS n FROM ${business}`)).rows[0].n).toBe(12);
      const after = await sequentialScans(pool, [table, effectTable]);
      expect({ ids: after[0]! - before[0]!, effects: after[1]! - before[1]! }).toEqual({
        ids: 0,
        effects: 0,
      });
    } finally {
      store.close?.();
      await pool.query(`DROP TABLE IF EXISTS ${table}, ${table}_dead, ${effectTable}, ${business}`);
      await pool.end();
    }
  }, 30_000);
});
