import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { DATABASE_URL, postgresAvailable, uniqueName } from '../../test/services.js';
import { createPassfortWebhooks } from '../create-passfort-webhooks.js';
import { postgresStore } from './postgres-dedupe-store.js';
import { postgresSchemaSql } from './postgres-schema.js';

// Without Postgres, postgresAvailable() prints the one-line reason (and fails under CI=true).
const available = await postgresAvailable();

const SECRET = 'collation-test-secret';
const REMEMBERED = 20_000;

/** See postgres-indexes.test.ts: how many times Postgres read each table whole. */
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

/**
 * Teams apply postgresSchemaSql() with their own migration tool, and some give text keys an
 * explicit collation ("C" is a common choice for ids: byte order, cheaper comparisons). The
 * primary keys must still answer every read of ctx.transaction, whatever the ids hold: a read
 * of the whole table per webhook at a week's retention is what issue 40 measured at 44-79 ms.
 */
describe.runIf(available)('postgresStore on tables whose ids have an explicit collation', () => {
  for (const collation of ['C', 'und-x-icu']) {
    it(`id text COLLATE "${collation}": webhooks, odd ids and their redeliveries through ctx.transaction read no table whole, and each effect runs once`, async () => {
      const pool = new pg.Pool({ connectionString: DATABASE_URL, max: 1 });
      const table = uniqueName('pfw_coll');
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
        const schema = postgresSchemaSql(table, `${table}_dead`, effectTable).replaceAll(
          'id text PRIMARY KEY',
          `id text COLLATE "${collation}" PRIMARY KEY`,
        );
        expect(schema).toContain(`COLLATE "${collation}"`);
        await pool.query(schema);
        await pool.query(
          `INSERT INTO ${table} (id, state, attempts, expires_at, done_at)
           SELECT 'old-' || g, 'done', 0, now() + interval '7 days', now() FROM generate_series(1, $1) g`,
          [REMEMBERED],
        );
        await pool.query(
          `INSERT INTO ${effectTable} (id, effect_at) SELECT 'old-' || g, now() FROM generate_series(1, $1) g`,
          [REMEMBERED],
        );
        await pool.query(`CREATE TABLE ${business} (webhook_id text PRIMARY KEY)`);
        await pool.query(`ANALYZE ${table}, ${effectTable}`);

        const webhooks = createPassfortWebhooks({ secret: SECRET, store, logger: false });
        const runs = new Map<string, number>();
        webhooks.on('CHECK_COMPLETED', async (event, ctx) => {
          await ctx.transaction(async (tx) => {
            runs.set(event.id, (runs.get(event.id) ?? 0) + 1);
            await tx.query(`INSERT INTO ${business} VALUES ($1)`, [event.id]);
          });
        });
        const before = await sequentialScans(pool, [table, effectTable]);
        for (let i = 0; i < 8; i++) {
          const body = JSON.stringify({
            id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
            event: 'CHECK_COMPLETED',
            secret: SECRET,
            timestamp: 1568997222,
            data: { profile_id: `p-${i}`, check: { id: `c-${i}`, decision: 'PASS' } },
          });
          const headers = {
            authorization: `Bearer ${SECRET}`,
            'content-type': 'application/json',
          };
          expect((await webhooks.handle({ method: 'POST', headers, body })).status).toBe(200);
          expect((await webhooks.handle({ method: 'POST', headers, body })).status).toBe(200);
        }
        await webhooks.close();
        // Ids no Passfort webhook has, through the store's own transactOnce: each twice.
        const odd = [
          "replay:ünïcødé-'quote'-\\-💥",
          `long-${'é'.repeat(300)}`,
          'Ωmega | pipe ; semicolon -- dash /* c */',
        ];
        for (const id of odd) {
          for (let copy = 0; copy < 2; copy++) {
            const value = await store.transactOnce(id, async (tx) => {
              runs.set(id, (runs.get(id) ?? 0) + 1);
              await (tx as pg.PoolClient).query(`INSERT INTO ${business} VALUES ($1)`, [id]);
              return { id };
            });
            expect(value).toEqual({ id });
          }
        }
        const after = await sequentialScans(pool, [table, effectTable]);
        expect([...runs.values()].every((count) => count === 1)).toBe(true);
        expect(runs.size).toBe(8 + odd.length);
        const stored = await pool.query(`SELECT webhook_id FROM ${business}`);
        expect(stored.rows.map((row) => row.webhook_id).sort()).toEqual([...runs.keys()].sort());
        const recorded = await pool.query(
          `SELECT count(*)::int AS n FROM ${effectTable} WHERE id = ANY($1)`,
          [[...runs.keys()]],
        );
        expect(recorded.rows[0].n).toBe(8 + odd.length);
        expect({ ids: after[0]! - before[0]!, effects: after[1]! - before[1]! }).toEqual({
          ids: 0,
          effects: 0,
        });
      } finally {
        store.close?.();
        await pool.query(
          `DROP TABLE IF EXISTS ${table}, ${table}_dead, ${effectTable}, ${business}`,
        );
        await pool.end();
      }
    }, 30_000);
  }
});
