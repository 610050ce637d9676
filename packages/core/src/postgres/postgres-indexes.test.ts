import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { sendCheckCompleted } from '../../test/check-completed.js';
import { rememberHandledWebhooks, sequentialScans } from '../../test/postgres-retention.js';
import { dropStoreTables, testStore } from '../../test/postgres-test-store.js';
import { DATABASE_URL, postgresAvailable, uniqueName } from '../../test/services.js';
import { SECRET } from '../../test/webhook-fixtures.js';
import { createPassfortWebhooks } from '../create-passfort-webhooks.js';

// Without Postgres, postgresAvailable() prints the one-line reason (and fails under CI=true).
const available = await postgresAvailable();

const REMEMBERED = 20_000;

describe.runIf(available)('postgresStore at a real retention size', () => {
  it(`with ${REMEMBERED} ids remembered, no webhook or ctx.transaction reads the ids or effects table whole`, async () => {
    // One connection: every statement of the store and of ctx.transaction runs on the backend
    // whose counts are flushed above.
    const pool = new pg.Pool({ connectionString: DATABASE_URL, max: 1 });
    const table = uniqueName('pfw_idx');
    const effectTable = `${table}_effects`;
    const business = `${table}_decisions`;
    const store = testStore(pool, table);
    try {
      await store.migrate();
      // A week of webhooks already handled, each with its transaction's effect record.
      await rememberHandledWebhooks(pool, table, effectTable, REMEMBERED);
      await pool.query(`CREATE TABLE ${business} (webhook_id text PRIMARY KEY, decision text)`);

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
      // Each then its redelivery: a duplicate, answered without running anything.
      const [firsts, redeliveries] = await sendCheckCompleted(webhooks, 12, { copies: 2 });
      await webhooks.close();
      expect(firsts).toEqual(Array.from({ length: 12 }, () => 200));
      expect(redeliveries).toEqual(Array.from({ length: 12 }, () => 200));
      expect(runs).toBe(12);
      expect((await pool.query(`SELECT count(*)::int AS n FROM ${business}`)).rows[0].n).toBe(12);
      const after = await sequentialScans(pool, [table, effectTable]);
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
});
