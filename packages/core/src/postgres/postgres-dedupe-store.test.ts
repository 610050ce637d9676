import pg from 'pg';
import { describe, expect, it, vi } from 'vitest';
import { dedupeStoreConformanceCases } from '../../../testing/src/conformance/index.js';
import { DATABASE_URL, postgresAvailable, uniqueName } from '../../test/services.js';
import { batch, bearer, SECRET } from '../../test/webhook-fixtures.js';
import { createPassfortWebhooks } from '../create-passfort-webhooks.js';
import { postgresStore } from './postgres-dedupe-store.js';
import { postgresSchemaSql } from './postgres-schema.js';

if (await postgresAvailable()) {
  const cases = dedupeStoreConformanceCases(async ({ retentionMs }) => {
    const table = uniqueName('pfw_ids');
    const deadLetterTable = uniqueName('pfw_dead');
    const pools = [new pg.Pool({ connectionString: DATABASE_URL, max: 4 })];
    const store = postgresStore({ pool: pools[0]!, table, deadLetterTable, retentionMs });
    await store.migrate();
    return {
      store,
      async another() {
        const pool = new pg.Pool({ connectionString: DATABASE_URL, max: 4 });
        pools.push(pool);
        return postgresStore({ pool, table, deadLetterTable, retentionMs });
      },
      async cleanup() {
        await store.close?.();
        await pools[0]!.query(
          `DROP TABLE IF EXISTS ${table}, ${deadLetterTable}, ${table}_effects`,
        );
        await Promise.all(pools.map((pool) => pool.end()));
      },
    };
  });
  describe('postgresStore (the public DedupeStore kit)', () => {
    for (const check of cases) it(check.name, check.run);
  });

  describe('postgresStore schema', () => {
    it('creates nothing until migrate() is called, and refuses unsafe table names', async () => {
      const pool = new pg.Pool({ connectionString: DATABASE_URL, max: 1 });
      const table = uniqueName('pfw_lazy');
      const store = postgresStore({ pool, table, deadLetterTable: `${table}_dead` });
      await expect(store.claim(['a'], { leaseMs: 1000 })).rejects.toThrow(/does not exist/);
      await store.migrate();
      await store.migrate(); // idempotent
      expect(await store.claim(['a'], { leaseMs: 1000 })).toEqual([
        { status: 'claimed', attempt: 1 },
      ]);
      await pool.query(`DROP TABLE ${table}, ${table}_dead, ${table}_effects`);
      await store.close?.();
      await pool.end();
      expect(() => postgresSchemaSql('ids; DROP TABLE users')).toThrow(
        /Invalid Postgres table name/,
      );
    });

    it('names the fix when migrate() was not called: 503, and an error log with the hint', async () => {
      const pool = new pg.Pool({ connectionString: DATABASE_URL, max: 1 });
      const table = uniqueName('pfw_unmigrated');
      const printed: string[] = [];
      const spy = vi
        .spyOn(console, 'error')
        .mockImplementation((text: unknown, fields?: unknown) => {
          printed.push(`${String(text)} ${JSON.stringify(fields)}`);
        });
      try {
        const webhooks = createPassfortWebhooks({
          secret: SECRET,
          store: postgresStore({ pool, table, deadLetterTable: `${table}_dead` }),
        });
        const response = await webhooks.handle({
          method: 'POST',
          headers: bearer(),
          body: JSON.stringify(batch(2)),
        });
        expect(response.status).toBe(503);
        expect(printed.join('\n')).toContain('did you call `await store.migrate()`');
        await webhooks.close();
      } finally {
        spy.mockRestore();
        await pool.end();
      }
    });

    it('claims and completes overlapping batches in a stable order: 40 rounds of a batch of 100 and its reverse at once, no deadlock', async () => {
      const pools = [0, 1].map(() => new pg.Pool({ connectionString: DATABASE_URL, max: 2 }));
      const table = uniqueName('pfw_order');
      const stores = pools.map((pool) =>
        postgresStore({ pool, table, deadLetterTable: `${table}_dead`, pruneIntervalMs: 0 }),
      );
      await stores[0]!.migrate();
      const deadlocks: unknown[] = [];
      const settled = async <T>(work: Promise<T>): Promise<T | undefined> => {
        try {
          return await work;
        } catch (error) {
          if ((error as { code?: string }).code !== '40P01') throw error;
          deadlocks.push(error);
          return undefined;
        }
      };
      try {
        for (let round = 0; round < 40; round++) {
          const ids = Array.from({ length: 100 }, (_, i) => `r${round}-${i}`);
          const reversed = [...ids].reverse();
          const [first, second] = await Promise.all([
            settled(Promise.resolve(stores[0]!.claim(ids, { leaseMs: 30_000, owner: 'a' }))),
            settled(Promise.resolve(stores[1]!.claim(reversed, { leaseMs: 30_000, owner: 'b' }))),
          ]);
          if (first === undefined || second === undefined) continue;
          // Each id went to one of them.
          const winners = ids.map((_, i) => [first[i]!.status, second[99 - i]!.status].sort());
          expect(winners.every(([a, b]) => a === 'busy' && b === 'claimed')).toBe(true);
          await Promise.all([
            settled(Promise.resolve(stores[0]!.complete(ids, { owner: 'a' }))),
            settled(Promise.resolve(stores[1]!.complete(reversed, { owner: 'b' }))),
          ]);
        }
        expect(deadlocks.length).toBe(0);
      } finally {
        await pools[0]!.query(`DROP TABLE IF EXISTS ${table}, ${table}_dead, ${table}_effects`);
        for (const store of stores) await store.close?.();
        await Promise.all(pools.map((pool) => pool.end()));
      }
    });

    it('prunes ids whose retention has passed', async () => {
      const pool = new pg.Pool({ connectionString: DATABASE_URL, max: 1 });
      const table = uniqueName('pfw_prune');
      const store = postgresStore({
        pool,
        table,
        deadLetterTable: `${table}_dead`,
        retentionMs: 100,
      });
      await store.migrate();
      await store.claim(['a', 'b'], { leaseMs: 1000 });
      await store.complete(['a', 'b']);
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(await store.prune()).toBe(2);
      await pool.query(`DROP TABLE ${table}, ${table}_dead, ${table}_effects`);
      await store.close?.();
      await pool.end();
    });
  });
}
