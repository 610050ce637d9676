import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { DATABASE_URL, postgresAvailable, uniqueName } from '../../test/services.js';
import { bearer, productStatusChanged, SECRET, webhookId } from '../../test/webhook-fixtures.js';
import { createPassfortWebhooks } from '../create-passfort-webhooks.js';
import { postgresStore } from './postgres-dedupe-store.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The edges of ctx.transaction on Postgres (issue 31): what time, long transactions, session
 * state and isolation used to break. Each case failed on the version before it.
 */
describe.runIf(await postgresAvailable())('postgresStore ctx.transaction at the edges', () => {
  const opened: { pools: pg.Pool[]; tables: string[] }[] = [];
  afterEach(async () => {
    for (const { pools, tables } of opened.splice(0)) {
      await pools[0]!.query(`DROP TABLE IF EXISTS ${tables.join(', ')}`);
      await Promise.all(pools.map((pool) => pool.end()));
    }
  });

  async function open(poolOptions: pg.PoolConfig = {}) {
    const table = uniqueName('pfw_edge');
    const effects = `${table}_fx`;
    const pool = new pg.Pool({ connectionString: DATABASE_URL, max: 4, ...poolOptions });
    const pools = [pool];
    opened.push({ pools, tables: [table, `${table}_dead`, `${table}_effects`, effects] });
    const options = { table, deadLetterTable: `${table}_dead`, logger: false as const };
    const store = postgresStore({ pool, ...options });
    await store.migrate();
    await pool.query(`CREATE TABLE ${effects} (seq bigserial PRIMARY KEY, webhook_id text)`);
    const receiver = (extra: { leaseMs?: number } = {}) =>
      createPassfortWebhooks({ secret: SECRET, store, logger: false, ...extra });
    const send = (webhooks: ReturnType<typeof receiver>, id: string) =>
      webhooks.handle({
        method: 'POST',
        headers: bearer(),
        body: JSON.stringify(productStatusChanged(id)),
      });
    const effectRows = async () =>
      (await pool.query(`SELECT webhook_id FROM ${effects} ORDER BY seq`)).rows.map(
        (row) => row.webhook_id as string,
      );
    const insert = (tx: pg.PoolClient, id: string) =>
      tx.query(`INSERT INTO ${effects} (webhook_id) VALUES ($1)`, [id]);
    return { table, pool, pools, store, receiver, send, effectRows, insert };
  }

  it('the lease stays live for the whole of a long fn, and no backend waits on a lock meanwhile', {
    timeout: 20_000,
  }, async () => {
    const db = await open();
    const webhooks = db.receiver({ leaseMs: 300 });
    const id = webhookId(1);
    let inside = false;
    webhooks.on('PRODUCT_STATUS_CHANGED', async (event, ctx) => {
      await ctx.transaction(async (tx) => {
        inside = true;
        await db.insert(tx, event.id);
        await sleep(3_000); // ten leases
        inside = false;
      });
    });
    const answer = db.send(webhooks, id);
    const observer = new pg.Pool({ connectionString: DATABASE_URL, max: 1 });
    db.pools.push(observer);
    const lapsed: number[] = [];
    const waiting: number[] = [];
    while (!inside) await sleep(20);
    // Another run of the same id (a replay racing the delivery) waits for the lock meanwhile.
    const rival = db.store.transactOnce(id, async (tx) => {
      await db.insert(tx, 'rival');
    });
    while (inside) {
      const { rows } = await observer.query(
        `SELECT (SELECT extract(epoch FROM now() - lease_until) * 1000 FROM ${db.table} WHERE id = $1) AS lapsed,
                (SELECT count(*)::int FROM pg_stat_activity WHERE datname = current_database()
                   AND wait_event_type = 'Lock' AND now() - query_start > interval '1 second') AS waiting`,
        [id],
      );
      if (inside) {
        lapsed.push(Number(rows[0].lapsed));
        waiting.push(rows[0].waiting as number);
      }
      await sleep(100);
    }
    expect((await answer).status).toBe(200);
    await rival; // it waited (without a backend) and found the effect committed
    expect(lapsed.length).toBeGreaterThan(10);
    expect(lapsed.filter((ms) => ms >= 0)).toEqual([]); // never past expiry
    expect(waiting.filter((n) => n > 0)).toEqual([]);
    expect(await db.effectRows()).toEqual([id]);
    await webhooks.close();
  });

  it('a connection whose session fn changed is closed, not handed to the next webhook', async () => {
    const db = await open({ max: 1 });
    const webhooks = db.receiver();
    webhooks.on('PRODUCT_STATUS_CHANGED', async (event, ctx) => {
      await ctx.transaction(async (tx) => {
        await tx.query(`SET lock_timeout = '4s'`); // session-wide: outlives the transaction
        await db.insert(tx, event.id);
      });
    });
    expect((await db.send(webhooks, webhookId(2))).status).toBe(200);
    const { rows } = await db.pool.query('SHOW lock_timeout');
    expect(rows[0].lock_timeout).toBe('0');
    await webhooks.close();
  });

  it('a takeover during fn that also changed the session: refused, nothing kept, and the rolled-back SET is not handed to the next webhook', async () => {
    // Postgres undoes a SET made in a transaction that rolls back, so the connection is reused
    // (settingsRollBack); MySQL, which keeps it, closes the connection (mysql-transaction-adversarial.test.ts).
    const db = await open({ max: 1 });
    const otherPool = new pg.Pool({ connectionString: DATABASE_URL, max: 2 });
    db.pools.push(otherPool);
    const other = postgresStore({
      pool: otherPool,
      table: db.table,
      deadLetterTable: `${db.table}_dead`,
      logger: false,
    });
    const id = webhookId(40);
    await db.store.claim([id], { leaseMs: 50, owner: 'a' });
    const before = (await db.pool.query('SHOW TimeZone')).rows[0]!.TimeZone as string;
    await expect(
      db.store.transactOnce(
        id,
        async (tx) => {
          await db.insert(tx, id);
          await tx.query("SET SESSION TimeZone = 'Asia/Kolkata'");
          await sleep(100);
          // Another delivery takes the lapsed claim over.
          await other.claim([id], { leaseMs: 30_000, owner: 'b' });
          return 'a';
        },
        { owner: 'a' },
      ),
    ).rejects.toThrow(/another delivery took the claim over/);
    expect(await db.effectRows()).toEqual([]);
    expect((await db.pool.query('SHOW TimeZone')).rows[0]!.TimeZone).toBe(before);
    other.close?.();
  });

  it('isolation is read committed unless asked, whatever the database default, and racing callers resolve to the recorded value', async () => {
    const db = await open({ options: '-c default_transaction_isolation=serializable' });
    const seen: string[] = [];
    const id = webhookId(3);
    const results = await Promise.all(
      [0, 1, 2].map((n) =>
        db.store.transactOnce(id, async (tx) => {
          seen.push((await tx.query('SHOW transaction_isolation')).rows[0].transaction_isolation);
          await db.insert(tx, id);
          await sleep(50);
          return n;
        }),
      ),
    );
    expect(seen).toEqual(['read committed']);
    expect(new Set(results).size).toBe(1);
    expect(await db.effectRows()).toEqual([id]);
  });

  it('a serialization failure rolls back and runs fn again, a bounded number of times', async () => {
    const db = await open();
    // Write skew: each transaction reads the count, then inserts. At serializable one of the
    // two must fail with 40001; it is retried and then sees the other's row.
    let reads = 0;
    let bothRead!: () => void;
    const barrier = new Promise<void>((resolve) => {
      bothRead = resolve;
    });
    let runs = 0;
    const run = (id: string) =>
      db.store.transactOnce(
        id,
        async (tx) => {
          runs++;
          const { rows } = await tx.query(`SELECT count(*)::int AS n FROM ${db.table}_fx`);
          if (++reads === 2) bothRead();
          if (reads <= 2) await barrier;
          await db.insert(tx, id);
          return rows[0].n as number;
        },
        { isolation: 'serializable' },
      );
    const counts = await Promise.all([run(webhookId(4)), run(webhookId(5))]);
    expect(runs).toBe(3);
    expect(counts.sort()).toEqual([0, 1]);
    expect((await db.effectRows()).sort()).toEqual([webhookId(4), webhookId(5)]);
  });

  it('COMMIT or ROLLBACK sent by fn is refused before it is sent; one that slips past (a multi-statement query) is caught: a commit is recorded once, a rollback is run again', async () => {
    const db = await open();
    const webhooks = db.receiver();
    const errors: string[] = [];
    let runs = 0;
    const statements: Record<string, string> = {
      [webhookId(6)]: 'COMMIT',
      [webhookId(7)]: 'SELECT 1; COMMIT',
      [webhookId(8)]: 'SELECT 1; ROLLBACK',
    };
    let misuse = true;
    webhooks.on('PRODUCT_STATUS_CHANGED', async (event, ctx) => {
      await ctx
        .transaction(async (tx) => {
          runs++;
          await db.insert(tx, event.id);
          if (misuse) await tx.query(statements[event.id]!);
        })
        .catch((error: Error) => {
          errors.push(error.message);
          throw error;
        });
    });
    for (const id of Object.keys(statements))
      expect((await db.send(webhooks, id)).status).toBe(500);
    expect(errors[0]).toMatch(/may not send COMMIT.*Nothing was sent/);
    expect(errors[1]).toMatch(/ended its transaction itself.*effect is recorded/);
    expect(errors[2]).toMatch(/by rolling it back.*nothing it wrote was kept/);
    // What each left: the refused one nothing; the committed one its effect, recorded; the
    // rolled-back one nothing, so it runs again.
    expect(await db.effectRows()).toEqual([webhookId(7)]);
    misuse = false;
    for (const id of Object.keys(statements))
      expect((await db.send(webhooks, id)).status).toBe(200);
    expect((await db.effectRows()).sort()).toEqual(Object.keys(statements).sort());
    expect(runs).toBe(5); // three first runs, then 6 and 8 again; 7 was recorded
    await webhooks.close();
  });

  it('SET LOCAL inside fn is fine (it ends with the transaction)', async () => {
    const db = await open();
    const id = webhookId(9);
    await db.store.transactOnce(id, async (tx) => {
      await tx.query("SET LOCAL DateStyle = 'German'");
      await tx.query("SELECT set_config('TimeZone', 'Asia/Tokyo', true)");
      await db.insert(tx, id);
    });
    expect(await db.effectRows()).toEqual([id]);
  });

  it('a backend terminated while fn runs rejects the call; the process lives and a retry commits once', async () => {
    const db = await open();
    const admin = new pg.Pool({ connectionString: DATABASE_URL, max: 1 });
    db.pools.push(admin);
    const id = webhookId(10);
    await expect(
      db.store.transactOnce(id, async (tx) => {
        await db.insert(tx, id);
        const { rows } = await tx.query('SELECT pg_backend_pid() AS pid');
        await admin.query('SELECT pg_terminate_backend($1)', [rows[0].pid]);
        await sleep(300);
        await db.insert(tx, id);
      }),
    ).rejects.toThrow();
    expect(await db.effectRows()).toEqual([]);
    await db.store.transactOnce(id, (tx) => db.insert(tx, id).then(() => undefined));
    expect(await db.effectRows()).toEqual([id]);
  });

  it('SET TRANSACTION READ ONLY (or transaction_read_only) sent by fn is refused before it is sent: the webhook is not left unable to record its effect', async () => {
    const db = await open();
    const webhooks = db.receiver();
    const refusals: string[] = [];
    let readOnly = true;
    webhooks.on('PRODUCT_STATUS_CHANGED', async (event, ctx) => {
      await ctx.transaction(async (tx) => {
        await db.insert(tx, event.id);
        if (readOnly) {
          for (const text of [
            'SET TRANSACTION READ ONLY',
            'SET LOCAL transaction_read_only = on',
          ]) {
            try {
              await tx.query(text);
            } catch (error) {
              refusals.push((error as Error).name);
            }
          }
        }
      });
    });
    const id = webhookId(31);
    // The refusal is caught by fn, which goes on: its effect commits once, read-write.
    expect((await db.send(webhooks, id)).status).toBe(200);
    expect(refusals).toEqual(['ConfigurationError', 'ConfigurationError']);
    readOnly = false;
    expect((await db.send(webhooks, id)).status).toBe(200);
    expect(await db.effectRows()).toEqual([id]);
    await webhooks.close();
  });

  it('a method kept past fn (tx.query.bind(tx)) is refused like the connection', async () => {
    const db = await open({ max: 1 });
    let kept: ((text: string, values: unknown[]) => Promise<unknown>) | undefined;
    await db.store.transactOnce(webhookId(11), async (tx) => {
      kept = tx.query.bind(tx) as never;
    });
    let refused = '';
    await db.store.transactOnce(webhookId(12), async () => {
      try {
        await kept!(`INSERT INTO ${db.table}_fx (webhook_id) VALUES ($1)`, ['late']);
      } catch (error) {
        refused = (error as Error).name;
      }
    });
    expect(refused).toBe('ConfigurationError');
    expect(await db.effectRows()).toEqual([]);
  });
});
