/**
 * Each ORM recipe against the real Postgres: its writes commit with the webhook's record (a
 * failure in its second statement takes back its first), and a redelivery adds nothing.
 */
import { createPassfortWebhooks, type PassfortWebhooks } from '@passfort-webhooks/core';
import { postgresStore } from '@passfort-webhooks/core/postgres';
import { KIT_SECRET, kitBatch, kitHeaders } from '@passfort-webhooks/testing/conformance';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { onStatusChangedWithDrizzle } from './drizzle.js';
import { onStatusChangedWithKysely } from './kysely.js';
import { onStatusChangedWithPrisma } from './prisma.js';
import { createTables } from './tables.js';

const DATABASE_URL = process.env['DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';

async function postgresReachable(): Promise<boolean> {
  const client = new pg.Client({ connectionString: DATABASE_URL, connectionTimeoutMillis: 1000 });
  try {
    await client.connect();
    return true;
  } catch (error) {
    if (process.env['CI'] === 'true') throw error;
    console.warn(
      `skipping the ORM recipes: Postgres is not reachable (${(error as Error).message})`,
    );
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

// Each test works in a schema of its own (on the connections' search_path); Prisma names the
// schema in every statement, so it is told.
const recipes: [string, (webhooks: PassfortWebhooks<pg.PoolClient>, schema: string) => void][] = [
  ['Drizzle', (webhooks) => onStatusChangedWithDrizzle(webhooks)],
  ['Kysely', (webhooks) => onStatusChangedWithKysely(webhooks)],
  ['Prisma 7', (webhooks, schema) => onStatusChangedWithPrisma(webhooks, { schema })],
];

if (await postgresReachable()) {
  describe.each(recipes)('the %s recipe inside ctx.transaction', (_name, register) => {
    it('commits both writes with the record, rolls both back on failure, and adds nothing on redelivery', async () => {
      const schema = `pfw_recipe_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
      const admin = new pg.Pool({ connectionString: DATABASE_URL, max: 1 });
      await admin.query(`CREATE SCHEMA ${schema}`);
      const pool = new pg.Pool({
        connectionString: DATABASE_URL,
        options: `-c search_path=${schema}`,
      });
      try {
        const store = postgresStore({ pool, logger: false, pruneIntervalMs: 0 });
        await store.migrate();
        await createTables(pool);
        const webhooks = createPassfortWebhooks({ secret: KIT_SECRET, store, logger: false });
        register(webhooks, schema);
        const batch = kitBatch(3);
        const send = () =>
          webhooks.handle({ method: 'POST', headers: kitHeaders(), body: JSON.stringify(batch) });

        // The second webhook's second statement fails: its first must not survive either.
        await pool.query(
          `ALTER TABLE status_changes ADD CONSTRAINT not_yet CHECK (webhook_id <> '${batch[1]!.id}')`,
        );
        const first = await send();
        expect(first.status).toBe(500);
        expect(first.counts).toMatchObject({ processed: 1 });
        const { rows: afterFailure } = await pool.query('SELECT id FROM applications ORDER BY id');
        expect(afterFailure.map((row) => row.id)).toEqual([batch[0]!.data['application_id']]);

        await pool.query('ALTER TABLE status_changes DROP CONSTRAINT not_yet');
        const second = await send();
        expect(second.status).toBe(200);
        expect(second.counts).toMatchObject({ processed: 2, duplicates: 1 });
        expect((await send()).counts).toMatchObject({ processed: 0, duplicates: 3 });

        const { rows: changes } = await pool.query(
          'SELECT webhook_id, status FROM status_changes ORDER BY seq',
        );
        expect(changes).toEqual(batch.map((w) => ({ webhook_id: w.id, status: 'APPROVED' })));
        const { rows: applications } = await pool.query(
          'SELECT id, status FROM applications ORDER BY id',
        );
        expect(applications).toEqual(
          batch.map((w) => ({ id: w.data['application_id'], status: 'APPROVED' })),
        );
        await webhooks.close();
      } finally {
        await pool.end();
        await admin.query(`DROP SCHEMA ${schema} CASCADE`);
        await admin.end();
      }
    }, 30_000);
  });
}
