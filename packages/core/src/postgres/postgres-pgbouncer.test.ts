import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { transactionalStoreConformanceCases } from '../../../testing/src/conformance/index.js';
import { sendCheckCompleted } from '../../test/check-completed.js';
import { pgbouncerOnPath, type RunningPgBouncer, startPgBouncer } from '../../test/pgbouncer.js';
import { advisoryLocksHeld } from '../../test/postgres-advisory-locks.js';
import { dropStoreTables, testStore } from '../../test/postgres-test-store.js';
import { DATABASE_URL, postgresAvailable, uniqueName } from '../../test/services.js';
import { SECRET } from '../../test/webhook-fixtures.js';
import { createPassfortWebhooks } from '../create-passfort-webhooks.js';
import { postgresStore } from './postgres-dedupe-store.js';

/**
 * The store behind a real PgBouncer in transaction mode, where each transaction may get another
 * server connection and (before 1.21) named prepared statements do not follow: the store's
 * fallback to unnamed statements, and ctx.transaction, must keep every webhook exactly once.
 */
const available = (await postgresAvailable()) && pgbouncerOnPath();

describe.runIf(available)('postgresStore behind PgBouncer 1.18+ in transaction mode', () => {
  let bouncer: RunningPgBouncer | undefined;
  let url = '';

  beforeAll(async () => {
    bouncer = await startPgBouncer();
    url = bouncer.url;
  }, 20_000);

  afterAll(async () => {
    await bouncer?.stop();
  });

  /**
   * A store through PgBouncer on tables of its own, and a pool straight to Postgres (past the
   * pooler) to set up and read the test's tables and see every server connection's locks.
   * `cleanup` drops the store's tables and the test's `others`, and ends both pools.
   */
  function storeBehindBouncer(prefix: string, options: Parameters<typeof testStore>[2] = {}) {
    const pool = new pg.Pool({ connectionString: url, max: 8 });
    const direct = new pg.Pool({ connectionString: DATABASE_URL, max: 2 });
    const table = uniqueName(prefix);
    const store = testStore(pool, table, options);
    return {
      direct,
      table,
      store,
      async cleanup(...others: string[]) {
        store.close?.();
        await dropStoreTables(direct, table, ...others);
        await pool.end();
        await direct.end();
      },
    };
  }

  // The public transactional-store kit, every case, through the pooler (named statements on:
  // the store falls back to unnamed on the first refusal), as postgres-transaction.test.ts runs
  // it directly. Effects are read past the pooler.
  describe('the transactional-store kit, through PgBouncer', () => {
    const cases = transactionalStoreConformanceCases<pg.PoolClient>(
      async ({ retentionMs } = {}) => {
        const table = uniqueName('pfw_kit_ids');
        const deadLetterTable = uniqueName('pfw_kit_dead');
        const effects = uniqueName('pfw_kit_effects');
        const pools = [new pg.Pool({ connectionString: url, max: 6 })];
        const pool = pools[0]!;
        const direct = new pg.Pool({ connectionString: DATABASE_URL, max: 1 });
        const options = {
          table,
          deadLetterTable,
          logger: false as const,
          transactionLockWaitMs: 3_000,
          ...(retentionMs === undefined ? {} : { retentionMs }),
        };
        const store = postgresStore({ pool, ...options });
        await store.migrate();
        await direct.query(
          `CREATE TABLE ${effects} (seq bigserial PRIMARY KEY, webhook_id text NOT NULL)`,
        );
        return {
          store,
          async another() {
            const other = new pg.Pool({ connectionString: url, max: 6 });
            pools.push(other);
            return postgresStore({ pool: other, ...options });
          },
          async insertEffect(tx, id) {
            await tx.query(`INSERT INTO ${effects} (webhook_id) VALUES ($1)`, [id]);
          },
          async effects() {
            const { rows } = await direct.query(`SELECT webhook_id FROM ${effects} ORDER BY seq`);
            return rows.map((row) => row.webhook_id as string);
          },
          async cleanup() {
            await store.close?.();
            await direct.query(
              `DROP TABLE IF EXISTS ${table}, ${deadLetterTable}, ${table}_effects, ${effects}`,
            );
            await Promise.all(pools.map((each) => each.end()));
            await direct.end();
          },
        };
      },
    );
    for (const check of cases) it(check.name, check.run, 20_000);
  });

  it('600 deliveries of 300 webhooks, 6 at a time, through ctx.transaction: each effect once, every answer 200, one warning', async () => {
    const warnings: string[] = [];
    const { direct, table, store, cleanup } = storeBehindBouncer('pfw_bouncer', {
      logger: {
        warn: (_fields, message) => /prepared/.test(message ?? '') && warnings.push(message!),
      },
    });
    try {
      await store.migrate();
      await direct.query(`CREATE TABLE ${table}_decisions (webhook_id text PRIMARY KEY)`);
      const webhooks = createPassfortWebhooks({ secret: SECRET, store, logger: false });
      const runs = new Map<string, number>();
      webhooks.on('CHECK_COMPLETED', async (event, ctx) => {
        await ctx.transaction(async (tx) => {
          runs.set(event.id, (runs.get(event.id) ?? 0) + 1);
          await tx.query(`INSERT INTO ${table}_decisions VALUES ($1)`, [event.id]);
        });
      });
      // Each webhook, then its redelivery.
      const statuses = await sendCheckCompleted(webhooks, 300, { copies: 2, concurrency: 6 });
      await webhooks.close();
      expect(statuses.flat().filter((status) => status !== 200)).toEqual([]);
      expect(runs.size).toBe(300);
      expect([...runs.values()].every((count) => count === 1)).toBe(true);
      const { rows } = await direct.query(`SELECT count(*)::int AS n FROM ${table}_decisions`);
      expect(rows[0].n).toBe(300);
      expect(warnings).toHaveLength(1);
    } finally {
      await cleanup(`${table}_decisions`);
    }
  }, 60_000);

  it('a ctx.transaction that fails gives its lock back on the server connection holding it: every redelivery runs at once, and no lock is left', async () => {
    // Short, so that a lock left behind fails the redelivery rather than delaying it a minute.
    const { direct, table, store, cleanup } = storeBehindBouncer('pfw_bouncer_fail', {
      transactionLockWaitMs: 2_000,
      preparedStatements: false,
    });
    try {
      await store.migrate();
      await direct.query(`CREATE TABLE ${table}_decisions (webhook_id text PRIMARY KEY)`);
      const webhooks = createPassfortWebhooks({ secret: SECRET, store, logger: false });
      const attempts = new Map<string, number>();
      webhooks.on('CHECK_COMPLETED', async (event, ctx) => {
        await ctx.transaction(async (tx) => {
          const attempt = (attempts.get(event.id) ?? 0) + 1;
          attempts.set(event.id, attempt);
          await tx.query(`INSERT INTO ${table}_decisions VALUES ($1)`, [event.id]);
          if (attempt === 1) throw new Error('the first attempt fails after writing');
        });
      });
      const [firsts, seconds] = await sendCheckCompleted(webhooks, 120, {
        copies: 2,
        concurrency: 6,
      });
      await webhooks.close();
      expect(firsts!.every((status) => status === 500)).toBe(true);
      expect(seconds!.filter((status) => status !== 200)).toEqual([]);
      const { rows } = await direct.query(`SELECT count(*)::int AS n FROM ${table}_decisions`);
      expect(rows[0].n).toBe(120);
      expect(await advisoryLocksHeld(direct, table, attempts.keys())).toEqual([]);
    } finally {
      await cleanup(`${table}_decisions`);
    }
  }, 60_000);

  it('claims taken over after their lease ended, 6 at once, with named statements on: the paused deliveries neither run nor commit, each takeover commits once at once, and no lock is left', async () => {
    // Short: a lock left behind fails the takeover's run rather than delaying it a minute.
    const { direct, table, store, cleanup } = storeBehindBouncer('pfw_bouncer_takeover', {
      transactionLockWaitMs: 2_000,
    });
    try {
      await store.migrate();
      await direct.query(`CREATE TABLE ${table}_decisions (webhook_id text, owner text)`);
      const ids = Array.from({ length: 6 }, (_, i) => `takeover-${i}`);
      const claimed = await store.claim(ids, { leaseMs: 300, owner: 'paused' });
      expect(claimed.every((outcome) => outcome.status === 'claimed')).toBe(true);
      const runs: string[] = [];
      let open: () => void = () => {};
      const gate = new Promise<void>((resolve) => {
        open = resolve;
      });
      let started = 0;
      const allStarted = new Promise<void>((resolve) => {
        const check = setInterval(() => {
          if (started === 2) {
            clearInterval(check);
            resolve();
          }
        }, 5);
      });
      // Two deliveries pause inside fn (each holds one of PgBouncer's 3 server connections
      // meanwhile), the others before ctx.transaction.
      const inside = (i: number) => i % 3 === 0;
      const paused = ids
        .filter((_, i) => inside(i))
        .map((id) =>
          store.transactOnce(
            id,
            (async (tx: pg.PoolClient) => {
              runs.push(`paused ${id}`);
              await tx.query(`INSERT INTO ${table}_decisions VALUES ($1, 'paused')`, [id]);
              started++;
              await gate;
            }) as never,
            { owner: 'paused' },
          ),
        );
      await allStarted;
      await new Promise((resolve) => setTimeout(resolve, 400)); // every lease has ended
      const takeovers = await store.claim(ids, { leaseMs: 30_000, owner: 'fresh' });
      expect(takeovers.every((outcome) => outcome.status === 'claimed')).toBe(true);
      open();
      const pausedOutcomes = await Promise.allSettled(paused);
      const late = await Promise.allSettled(
        ids
          .filter((_, i) => !inside(i))
          .map((id) =>
            store.transactOnce(
              id,
              (async () => {
                runs.push(`paused ${id}`);
              }) as never,
              { owner: 'paused' },
            ),
          ),
      );
      for (const outcome of [...pausedOutcomes, ...late]) {
        expect(outcome.status).toBe('rejected');
        expect((outcome as PromiseRejectedResult).reason).toMatchObject({ code: 'IN_PROGRESS' });
      }
      // The deliveries holding the claims now: each runs once, without waiting for a lock.
      const fresh = await Promise.allSettled(
        ids.map((id) =>
          store.transactOnce(
            id,
            (async (tx: pg.PoolClient) => {
              runs.push(`fresh ${id}`);
              await tx.query(`INSERT INTO ${table}_decisions VALUES ($1, 'fresh')`, [id]);
              return id;
            }) as never,
            { owner: 'fresh' },
          ),
        ),
      );
      expect(fresh.map((outcome) => outcome.status)).toEqual(ids.map(() => 'fulfilled'));
      expect(runs.filter((run) => run.startsWith('fresh')).sort()).toEqual(
        ids.map((id) => `fresh ${id}`).sort(),
      );
      expect(runs.filter((run) => run.startsWith('paused')).sort()).toEqual(
        ids.filter((_, i) => inside(i)).map((id) => `paused ${id}`),
      );
      const { rows } = await direct.query(
        `SELECT webhook_id, owner FROM ${table}_decisions ORDER BY webhook_id`,
      );
      expect(rows).toEqual(ids.map((id) => ({ webhook_id: id, owner: 'fresh' })));
      expect(await advisoryLocksHeld(direct, table, ids)).toEqual([]);
    } finally {
      await cleanup(`${table}_decisions`);
    }
  }, 60_000);

  it('a COMMIT refused by a deferred foreign key (Django makes them so) gives the lock back: once the parent row exists every redelivery is 200, and no lock is left', async () => {
    const { direct, table, store, cleanup } = storeBehindBouncer('pfw_bouncer_deferred', {
      transactionLockWaitMs: 2_000,
    });
    try {
      await store.migrate();
      await direct.query(`CREATE TABLE ${table}_profiles (id text PRIMARY KEY)`);
      await direct.query(
        `CREATE TABLE ${table}_checks (webhook_id text PRIMARY KEY, profile_id text
           REFERENCES ${table}_profiles (id) DEFERRABLE INITIALLY DEFERRED)`,
      );
      const webhooks = createPassfortWebhooks({ secret: SECRET, store, logger: false });
      const runs = new Map<string, number>();
      webhooks.on('CHECK_COMPLETED', async (event, ctx) => {
        await ctx.transaction(async (tx) => {
          runs.set(event.id, (runs.get(event.id) ?? 0) + 1);
          await tx.query(`INSERT INTO ${table}_checks VALUES ($1, $2)`, [
            event.id,
            event.data.profile_id,
          ]);
        });
      });
      // The profiles (p-0 to p-29) are not there yet: every commit is refused by the deferred key.
      const [firsts] = await sendCheckCompleted(webhooks, 30, { concurrency: 6 });
      expect(firsts!.filter((status) => status === 200)).toEqual([]);
      await direct.query(
        `INSERT INTO ${table}_profiles SELECT 'p-' || g FROM generate_series(0, 29) g`,
      );
      const [seconds] = await sendCheckCompleted(webhooks, 30, { concurrency: 6 });
      await webhooks.close();
      expect(seconds!.filter((status) => status !== 200)).toEqual([]);
      const { rows } = await direct.query(`SELECT count(*)::int AS n FROM ${table}_checks`);
      expect(rows[0].n).toBe(30);
      expect(await advisoryLocksHeld(direct, table, runs.keys())).toEqual([]);
    } finally {
      await cleanup(`${table}_checks`, `${table}_profiles`);
    }
  }, 60_000);
});
