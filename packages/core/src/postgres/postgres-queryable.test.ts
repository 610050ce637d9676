import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { sendCheckCompleted } from '../../test/check-completed.js';
import { dropStoreTables, testStore } from '../../test/postgres-test-store.js';
import { DATABASE_URL, postgresAvailable, uniqueName } from '../../test/services.js';
import { SECRET } from '../../test/webhook-fixtures.js';
import { createPassfortWebhooks } from '../create-passfort-webhooks.js';
import type { ConnectablePool, PooledConnection } from './postgres-pool.js';

// Without Postgres, postgresAvailable() prints the one-line reason (and fails under CI=true).
const available = await postgresAvailable();

/**
 * The store's declared need of its pool is `query(text, values)` (Queryable, postgres-pool.ts):
 * teams pass a wrapper of their pg Pool that tags each statement for their tracing (a
 * sqlcommenter comment), and it must keep working when the store sends named statements.
 */
describe.runIf(available)('postgresStore on a Queryable that is not pg itself', () => {
  it('a wrapper that prefixes each statement with a comment: every webhook 200 once, redeliveries run nothing', async () => {
    const pool = new pg.Pool({ connectionString: DATABASE_URL, max: 2 });
    const seen: string[] = [];
    const traced: ConnectablePool<PooledConnection> = {
      query(text: string, values?: unknown[]) {
        seen.push(text);
        return pool.query(`/* service='kyc' */ ${text}`, values);
      },
      connect: () => pool.connect(),
    };
    const table = uniqueName('pfw_wrap');
    const store = testStore(traced, table);
    try {
      await store.migrate();
      const webhooks = createPassfortWebhooks({ secret: SECRET, store, logger: false });
      const runs = new Map<string, number>();
      webhooks.on('CHECK_COMPLETED', async (event, ctx) => {
        await ctx.transaction(async () => {
          runs.set(event.id, (runs.get(event.id) ?? 0) + 1);
        });
      });
      const statuses = (await sendCheckCompleted(webhooks, 4, { copies: 2 })).flat();
      await webhooks.close();
      expect(statuses).toEqual([200, 200, 200, 200, 200, 200, 200, 200]);
      expect([...runs.values()]).toEqual([1, 1, 1, 1]);
      // What the wrapper was given is what its type says: text.
      expect(seen.every((text) => typeof text === 'string')).toBe(true);
    } finally {
      store.close?.();
      await dropStoreTables(pool, table);
      await pool.end();
    }
  }, 30_000);

  it('a pg Client given as the pool is still sent named statements (prepared once on it)', async () => {
    const client = new pg.Client({ connectionString: DATABASE_URL });
    await client.connect();
    const table = uniqueName('pfw_client');
    const store = testStore(client, table);
    try {
      await store.migrate();
      for (const id of ['a', 'b', 'c']) {
        expect(await store.claim([id], { leaseMs: 10_000 })).toEqual([
          { status: 'claimed', attempt: 1 },
        ]);
        await store.complete([id]);
      }
      const { rows } = await client.query(
        "SELECT count(*)::int AS n FROM pg_prepared_statements WHERE name LIKE 'pfw\\_%'",
      );
      expect(rows[0].n).toBe(2); // the claim and the completion
    } finally {
      store.close?.();
      await dropStoreTables(client, table);
      await client.end();
    }
  }, 30_000);
});
