import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { sendCheckCompleted } from '../../test/check-completed.js';
import { rememberHandledWebhooks, sequentialScans } from '../../test/postgres-retention.js';
import { dropStoreTables, testStore } from '../../test/postgres-test-store.js';
import { DATABASE_URL, postgresAvailable, uniqueName } from '../../test/services.js';
import { SECRET } from '../../test/webhook-fixtures.js';
import { createPassfortWebhooks } from '../create-passfort-webhooks.js';
import { postgresSchemaSql } from './postgres-schema.js';

// Without Postgres, postgresAvailable() prints the one-line reason (and fails under CI=true).
const available = await postgresAvailable();

const REMEMBERED = 20_000;

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
      const store = testStore(pool, table);
      try {
        const schema = postgresSchemaSql(table, `${table}_dead`, effectTable).replaceAll(
          'id text PRIMARY KEY',
          `id text COLLATE "${collation}" PRIMARY KEY`,
        );
        expect(schema).toContain(`COLLATE "${collation}"`);
        await pool.query(schema);
        await rememberHandledWebhooks(pool, table, effectTable, REMEMBERED);
        await pool.query(`CREATE TABLE ${business} (webhook_id text PRIMARY KEY)`);

        const webhooks = createPassfortWebhooks({ secret: SECRET, store, logger: false });
        const runs = new Map<string, number>();
        webhooks.on('CHECK_COMPLETED', async (event, ctx) => {
          await ctx.transaction(async (tx) => {
            runs.set(event.id, (runs.get(event.id) ?? 0) + 1);
            await tx.query(`INSERT INTO ${business} VALUES ($1)`, [event.id]);
          });
        });
        const before = await sequentialScans(pool, [table, effectTable]);
        const [firsts, redeliveries] = await sendCheckCompleted(webhooks, 8, { copies: 2 });
        await webhooks.close();
        expect(firsts).toEqual(Array.from({ length: 8 }, () => 200));
        expect(redeliveries).toEqual(Array.from({ length: 8 }, () => 200));
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
        await dropStoreTables(pool, table, business);
        await pool.end();
      }
    }, 30_000);
  }
});
