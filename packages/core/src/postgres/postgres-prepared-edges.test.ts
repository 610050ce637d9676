import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { sendCheckCompleted } from '../../test/check-completed.js';
import { dropStoreTables, testStore } from '../../test/postgres-test-store.js';
import { DATABASE_URL, postgresAvailable, uniqueName } from '../../test/services.js';
import { SECRET } from '../../test/webhook-fixtures.js';
import { createPassfortWebhooks, type PassfortWebhooks } from '../create-passfort-webhooks.js';
import type { PostgresStore } from './postgres-dedupe-store.js';

// Without Postgres, postgresAvailable() prints the one-line reason (and fails under CI=true).
const available = await postgresAvailable();

/** A store on tables of its own, a receiver whose handler records each run through ctx.transaction. */
async function receiver(
  pool: pg.Pool,
  table: string,
  inside: (tx: pg.PoolClient, run: number) => Promise<void> = async () => {},
): Promise<{
  store: PostgresStore;
  webhooks: PassfortWebhooks;
  runs: Map<string, number>;
  drop: () => Promise<void>;
}> {
  const store = testStore(pool, table);
  await store.migrate();
  await pool.query(`CREATE TABLE ${table}_decisions (webhook_id text PRIMARY KEY)`);
  const webhooks = createPassfortWebhooks({ secret: SECRET, store, logger: false });
  const runs = new Map<string, number>();
  let count = 0;
  webhooks.on('CHECK_COMPLETED', async (event, ctx) => {
    await ctx.transaction(async (tx) => {
      runs.set(event.id, (runs.get(event.id) ?? 0) + 1);
      await (tx as pg.PoolClient).query(`INSERT INTO ${table}_decisions VALUES ($1)`, [event.id]);
      await inside(tx as pg.PoolClient, ++count);
    });
  });
  return {
    store,
    webhooks,
    runs,
    drop: async () => {
      store.close?.();
      await dropStoreTables(pool, table, `${table}_decisions`);
    },
  };
}

/**
 * The store's statements are named prepared statements, kept by each connection (afe9f50).
 * What a handler, a deploy or a second store does to those connections must not cost a webhook.
 */
describe.runIf(available)('postgresStore named statements against what else uses the pool', () => {
  it('fn runs DEALLOCATE ALL, DISCARD PLANS, SET plan_cache_mode on the pooled connection: every later webhook 200, each effect once', async () => {
    // One connection: every later statement of the store runs on the one fn changed.
    const pool = new pg.Pool({ connectionString: DATABASE_URL, max: 1 });
    const table = uniqueName('pfw_dealloc');
    const statements = [
      'DEALLOCATE ALL',
      'DISCARD PLANS',
      'SET plan_cache_mode = force_generic_plan',
      'DEALLOCATE ALL',
    ];
    const r = await receiver(pool, table, async (tx, run) => {
      const statement = statements[(run - 1) % 5];
      if (statement !== undefined) await tx.query(statement);
    });
    try {
      const statuses = (await sendCheckCompleted(r.webhooks, 15, { copies: 2 })).flat();
      await r.webhooks.close();
      expect(statuses.filter((status) => status !== 200)).toEqual([]);
      expect(r.runs.size).toBe(15);
      expect([...r.runs.values()].every((count) => count === 1)).toBe(true);
      const { rows } = await pool.query(`SELECT count(*)::int AS n FROM ${table}_decisions`);
      expect(rows[0].n).toBe(15);
    } finally {
      await r.drop();
      await pool.end();
    }
  }, 30_000);

  it('a rolling deploy: another process runs migrate() over and over while this one receives, 4 at a time: every webhook 200, each effect once', async () => {
    const pool = new pg.Pool({ connectionString: DATABASE_URL, max: 4 });
    const deployer = new pg.Pool({ connectionString: DATABASE_URL, max: 1 });
    const table = uniqueName('pfw_rolling');
    const r = await receiver(pool, table);
    const next = testStore(deployer, table);
    try {
      let receiving = true;
      let migrations = 0;
      const deploying = (async () => {
        while (receiving) {
          await next.migrate();
          migrations++;
        }
      })();
      const statuses = (
        await sendCheckCompleted(r.webhooks, 80, { copies: 2, concurrency: 4 })
      ).flat();
      receiving = false;
      await deploying;
      await r.webhooks.close();
      expect(migrations).toBeGreaterThan(1);
      expect(statuses.filter((status) => status !== 200)).toEqual([]);
      expect(r.runs.size).toBe(80);
      expect([...r.runs.values()].every((count) => count === 1)).toBe(true);
      const { rows } = await pool.query(`SELECT count(*)::int AS n FROM ${table}_decisions`);
      expect(rows[0].n).toBe(80);
    } finally {
      next.close?.();
      await r.drop();
      await pool.end();
      await deployer.end();
    }
  }, 60_000);

  it('two stores on different tables of one pool, interleaved: their statements never collide, each keeps its own ids and effects', async () => {
    const pool = new pg.Pool({ connectionString: DATABASE_URL, max: 2 });
    const first = await receiver(pool, uniqueName('pfw_two_a'));
    const second = await receiver(pool, uniqueName('pfw_two_b'));
    try {
      // The same webhook ids through both: each store's own, once each.
      const statuses = (
        await Promise.all(
          [first, second].map((r) => sendCheckCompleted(r.webhooks, 20, { copies: 2 })),
        )
      ).flat(2);
      await first.webhooks.close();
      await second.webhooks.close();
      expect(statuses.filter((status) => status !== 200)).toEqual([]);
      for (const r of [first, second]) {
        expect(r.runs.size).toBe(20);
        expect([...r.runs.values()].every((count) => count === 1)).toBe(true);
      }
      const names = await pool.query<{ n: number }>(
        "SELECT count(DISTINCT name)::int AS n FROM pg_prepared_statements WHERE name LIKE 'pfw\\_%'",
      );
      // This connection holds both stores' claims and completions, each under its own name.
      expect(names.rows[0]!.n).toBeGreaterThanOrEqual(2);
    } finally {
      await first.drop();
      await second.drop();
      await pool.end();
    }
  }, 30_000);
});
