import pg from 'pg';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { transactionalStoreConformanceCases } from '../../../testing/src/conformance/index.js';
import { DATABASE_URL, postgresAvailable, uniqueName } from '../../test/services.js';
import { createPassfortWebhooks } from '../create-passfort-webhooks.js';
import { memoryStore } from '../stores/memory/memory-store.js';
import { postgresStore } from './postgres-dedupe-store.js';

if (await postgresAvailable()) {
  const cases = transactionalStoreConformanceCases<pg.PoolClient>(async ({ retentionMs } = {}) => {
    const table = uniqueName('pfw_ids');
    const deadLetterTable = uniqueName('pfw_dead');
    const effects = uniqueName('pfw_effects');
    const pools = [new pg.Pool({ connectionString: DATABASE_URL, max: 6 })];
    const pool = pools[0]!;
    const options = {
      table,
      deadLetterTable,
      logger: false as const,
      ...(retentionMs === undefined ? {} : { retentionMs }),
    };
    const store = postgresStore({ pool, ...options });
    await store.migrate();
    // No unique constraint: a doubled effect is a second row.
    await pool.query(
      `CREATE TABLE ${effects} (seq bigserial PRIMARY KEY, webhook_id text NOT NULL)`,
    );
    return {
      store,
      async another() {
        const other = new pg.Pool({ connectionString: DATABASE_URL, max: 6 });
        pools.push(other);
        return postgresStore({ pool: other, ...options });
      },
      async insertEffect(tx, id) {
        await tx.query(`INSERT INTO ${effects} (webhook_id) VALUES ($1)`, [id]);
      },
      async effects() {
        const { rows } = await pool.query(`SELECT webhook_id FROM ${effects} ORDER BY seq`);
        return rows.map((row) => row.webhook_id as string);
      },
      async cleanup() {
        await store.close?.();
        await pool.query(
          `DROP TABLE IF EXISTS ${table}, ${deadLetterTable}, ${table}_effects, ${effects}`,
        );
        await Promise.all(pools.map((each) => each.end()));
      },
    };
  });
  describe('postgresStore ctx.transaction (the public transactional-store kit)', () => {
    for (const check of cases) it(check.name, check.run, 20_000);
  });

  describe('postgresStore ctx.transaction, Postgres specifics', () => {
    it('a table migrated by an earlier version gains the new columns on migrate(), and says so until then', async () => {
      const pool = new pg.Pool({ connectionString: DATABASE_URL, max: 2 });
      const table = uniqueName('pfw_old');
      try {
        await pool.query(`CREATE TABLE ${table} (id text PRIMARY KEY, state text NOT NULL,
          lease_until timestamptz, attempts integer NOT NULL DEFAULT 0, expires_at timestamptz NOT NULL)`);
        const store = postgresStore({
          pool,
          table,
          deadLetterTable: `${table}_dead`,
          logger: false,
          pruneIntervalMs: 0,
        });
        await expect(store.claim(['a'], { leaseMs: 1000 })).rejects.toThrow(
          /run `await store.migrate\(\)`.*again after upgrading/,
        );
        await store.migrate();
        expect(await store.claim(['a'], { leaseMs: 1000 })).toEqual([
          { status: 'claimed', attempt: 1 },
        ]);
      } finally {
        await pool.query(`DROP TABLE IF EXISTS ${table}, ${table}_dead, ${table}_effects`);
        await pool.end();
      }
    });
  });
}

describe('ctx.transaction without a SQL store', () => {
  it('rejects with a ConfigurationError naming the stores that have it', async () => {
    const webhooks = createPassfortWebhooks({
      secret: 's3cret',
      store: memoryStore(),
      logger: false,
    });
    let error: unknown;
    webhooks.onAny(async (_event, ctx) => {
      error = await ctx.transaction(async () => 1).catch((caught: unknown) => caught);
    });
    const response = await webhooks.handle({
      method: 'POST',
      headers: { authorization: 'Bearer s3cret', 'content-type': 'application/json' },
      body: JSON.stringify({
        id: 'w1',
        event: 'SOMETHING_NEW',
        secret: 's3cret',
        timestamp: 1,
        data: {},
      }),
    });
    expect(response.status).toBe(200);
    expect(error).toMatchObject({
      name: 'ConfigurationError',
      message: expect.stringMatching(/needs a SQL dedupe store/),
    });
    await webhooks.close();
  });

  it('types tx from the store: pg.PoolClient with postgresStore, never without a SQL store', () => {
    const pool = new pg.Pool({ connectionString: DATABASE_URL });
    const withPostgres = createPassfortWebhooks({
      secret: 's',
      store: postgresStore({ pool, logger: false, pruneIntervalMs: 0 }),
    });
    withPostgres.on('CHECK_COMPLETED', async (_event, ctx) => {
      await ctx.transaction(async (tx) => {
        expectTypeOf(tx).toEqualTypeOf<pg.PoolClient>();
      });
    });
    const withMemory = createPassfortWebhooks({ secret: 's' });
    withMemory.on('CHECK_COMPLETED', async (_event, ctx) => {
      await ctx.transaction(async (tx) => {
        expectTypeOf(tx).toBeNever();
      });
    });
    void pool.end();
  });
});
