import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { DATABASE_URL, postgresAvailable, uniqueName } from '../../test/services.js';
import { createPassfortWebhooks } from '../create-passfort-webhooks.js';
import { postgresStore } from './postgres-dedupe-store.js';
import type { ConnectablePool, PooledConnection } from './postgres-pool.js';

// Without Postgres, postgresAvailable() prints the one-line reason (and fails under CI=true).
const available = await postgresAvailable();

const SECRET = 'queryable-test-secret';

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
    const store = postgresStore({
      pool: traced,
      table,
      deadLetterTable: `${table}_dead`,
      logger: false,
      pruneIntervalMs: 0,
    });
    try {
      await store.migrate();
      const webhooks = createPassfortWebhooks({ secret: SECRET, store, logger: false });
      const runs = new Map<string, number>();
      webhooks.on('CHECK_COMPLETED', async (event, ctx) => {
        await ctx.transaction(async () => {
          runs.set(event.id, (runs.get(event.id) ?? 0) + 1);
        });
      });
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++) {
        const headers = { authorization: `Bearer ${SECRET}`, 'content-type': 'application/json' };
        const body = JSON.stringify({
          id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
          event: 'CHECK_COMPLETED',
          secret: SECRET,
          timestamp: 1568997222,
          data: { profile_id: `p-${i}`, check: { id: `c-${i}`, decision: 'PASS' } },
        });
        for (let copy = 0; copy < 2; copy++) {
          statuses.push((await webhooks.handle({ method: 'POST', headers, body })).status);
        }
      }
      await webhooks.close();
      expect(statuses).toEqual([200, 200, 200, 200, 200, 200, 200, 200]);
      expect([...runs.values()]).toEqual([1, 1, 1, 1]);
      // What the wrapper was given is what its type says: text.
      expect(seen.every((text) => typeof text === 'string')).toBe(true);
    } finally {
      store.close?.();
      await pool.query(`DROP TABLE IF EXISTS ${table}, ${table}_dead, ${table}_effects`);
      await pool.end();
    }
  }, 30_000);

  it('a pg Client given as the pool is still sent named statements (prepared once on it)', async () => {
    const client = new pg.Client({ connectionString: DATABASE_URL });
    await client.connect();
    const table = uniqueName('pfw_client');
    const store = postgresStore({
      pool: client,
      table,
      deadLetterTable: `${table}_dead`,
      logger: false,
      pruneIntervalMs: 0,
    });
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
      await client.query(`DROP TABLE IF EXISTS ${table}, ${table}_dead, ${table}_effects`);
      await client.end();
    }
  }, 30_000);
});
