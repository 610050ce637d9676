import mysql from 'mysql2/promise';
import { afterEach, describe, expect, it } from 'vitest';
import { MYSQL_URL, mysqlAvailable, uniqueName } from '../../test/services.js';
import { bearer, productStatusChanged, SECRET, webhookId } from '../../test/webhook-fixtures.js';
import { createPassfortWebhooks } from '../create-passfort-webhooks.js';
import { mysqlStore } from './mysql-dedupe-store.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The edges of ctx.transaction on MySQL / MariaDB (issue 31): long transactions, engines that
 * cannot roll back, DDL and session state inside fn. Each case failed on the version before it.
 */
describe.runIf(await mysqlAvailable())('mysqlStore ctx.transaction at the edges', () => {
  const opened: { pools: mysql.Pool[]; tables: string[] }[] = [];
  afterEach(async () => {
    for (const { pools, tables } of opened.splice(0)) {
      await pools[0]!.query(`DROP TABLE IF EXISTS ${tables.join(', ')}`);
      await Promise.all(pools.map((pool) => pool.end()));
    }
  });

  async function open({
    connectionLimit = 10, // mysql2's default
    engine = 'InnoDB',
  }: {
    connectionLimit?: number;
    engine?: string;
  } = {}) {
    const table = uniqueName('pfw_edge');
    const effects = `${table}_fx`;
    const pool = mysql.createPool({ uri: MYSQL_URL, connectionLimit });
    const pools = [pool];
    opened.push({
      pools,
      tables: [table, `${table}_dead`, `${table}_effects`, effects, `${table}_ddl`],
    });
    const store = mysqlStore({ pool, table, deadLetterTable: `${table}_dead`, logger: false });
    await store.migrate();
    await pool.query(
      `CREATE TABLE ${effects} (seq BIGINT AUTO_INCREMENT PRIMARY KEY, webhook_id VARCHAR(64)) ENGINE=${engine}`,
    );
    const receiver = (extra: { leaseMs?: number } = {}) =>
      createPassfortWebhooks({ secret: SECRET, store, logger: false, ...extra });
    const send = (webhooks: ReturnType<typeof receiver>, id: string) =>
      webhooks.handle({
        method: 'POST',
        headers: bearer(),
        body: JSON.stringify(productStatusChanged(id)),
      });
    const effectRows = async () => {
      const [rows] = await pool.query(`SELECT webhook_id FROM ${effects} ORDER BY seq`);
      return (rows as { webhook_id: string }[]).map((row) => row.webhook_id);
    };
    const insert = async (tx: mysql.PoolConnection, id: string) => {
      await tx.query(`INSERT INTO ${effects} (webhook_id) VALUES (?)`, [id]);
    };
    return { table, pool, pools, store, receiver, send, effectRows, insert };
  }

  it('one long transaction, with the default pool, leaves 10 unrelated webhooks answered and committed, its lease live and no thread waiting on a lock', {
    timeout: 30_000,
  }, async () => {
    const db = await open();
    const webhooks = db.receiver({ leaseMs: 300 });
    const slow = webhookId(100);
    let inside = false;
    webhooks.on('PRODUCT_STATUS_CHANGED', async (event, ctx) => {
      await ctx.transaction(async (tx) => {
        await db.insert(tx, event.id);
        if (event.id !== slow) return;
        inside = true;
        await sleep(3_000); // ten leases
        inside = false;
      });
    });
    const slowAnswer = db.send(webhooks, slow);
    while (!inside) await sleep(20);
    const observer = mysql.createPool({ uri: MYSQL_URL, connectionLimit: 1 });
    db.pools.push(observer);
    const others = Array.from({ length: 10 }, (_, i) => webhookId(101 + i));
    const answers = Promise.all(others.map((id) => db.send(webhooks, id)));
    const lapsed: number[] = [];
    const waiting: number[] = [];
    while (inside) {
      const [rows] = await observer.query(
        `SELECT (SELECT TIMESTAMPDIFF(MICROSECOND, lease_until, NOW(3)) FROM ${db.table} WHERE id = ?) AS lapsed,
                (SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE STATE LIKE '%lock%' AND TIME >= 1 AND INFO NOT LIKE '%PROCESSLIST%') AS waiting`,
        [slow],
      );
      const row = (rows as { lapsed: unknown; waiting: unknown }[])[0]!;
      if (inside) {
        lapsed.push(Number(row.lapsed));
        waiting.push(Number(row.waiting));
      }
      await sleep(100);
    }
    expect((await answers).map((answer) => answer.status)).toEqual(others.map(() => 200));
    expect((await slowAnswer).status).toBe(200);
    expect(lapsed.length).toBeGreaterThan(10);
    expect(lapsed.filter((us) => us >= 0)).toEqual([]); // never past expiry
    expect(waiting.filter((n) => n > 0)).toEqual([]);
    expect((await db.effectRows()).sort()).toEqual([slow, ...others].sort());
    await webhooks.close();
  });

  it('statements that end the transaction (SET autocommit, BEGIN, COMMIT, LOCK TABLES, DDL) are refused before they are sent, and nothing is kept', async () => {
    const db = await open({ connectionLimit: 1 });
    const statements = [
      'SET autocommit = 0',
      'BEGIN',
      '/* a comment */ COMMIT',
      `LOCK TABLES ${db.table}_fx WRITE`,
      `CREATE TABLE ${db.table}_ddl (id INT) ENGINE=InnoDB`,
    ];
    const refused: string[] = [];
    for (const [n, statement] of statements.entries()) {
      const id = webhookId(200 + n);
      await db.store
        .transactOnce(id, async (tx) => {
          await db.insert(tx, id);
          await tx.query(statement);
        })
        .catch((error: Error) => refused.push(error.message));
    }
    expect(refused).toHaveLength(statements.length);
    expect(refused.every((message) => /may not send .*Nothing was sent/.test(message))).toBe(true);
    expect(await db.effectRows()).toEqual([]);
    const [rows] = await db.pool.query('SELECT @@autocommit AS autocommit');
    expect(Number((rows as { autocommit: unknown }[])[0]!.autocommit)).toBe(1);
  });

  it('a session setting fn changed does not leak into the pool: the connection is closed', async () => {
    const db = await open({ connectionLimit: 1 });
    const id = webhookId(210);
    await db.store.transactOnce(id, async (tx) => {
      await tx.query("SET SESSION sql_mode = 'ANSI_QUOTES'");
      await db.insert(tx, id);
    });
    const [rows] = await db.pool.query('SELECT @@sql_mode AS mode');
    expect(String((rows as { mode: unknown }[])[0]!.mode)).not.toMatch(/ANSI_QUOTES/);
    expect(await db.effectRows()).toEqual([id]);
  });

  it('DDL that slips past the check (a prepared statement) then a failure: a clear error, and the effect is not doubled on retry', async () => {
    const db = await open();
    const webhooks = db.receiver();
    const errors: string[] = [];
    webhooks.on('PRODUCT_STATUS_CHANGED', async (event, ctx) => {
      await ctx
        .transaction(async (tx) => {
          await db.insert(tx, event.id);
          await tx.query(
            `PREPARE ddl FROM 'CREATE TABLE IF NOT EXISTS ${db.table}_ddl (id INT) ENGINE=InnoDB'`,
          );
          await tx.query('EXECUTE ddl'); // an implicit commit
          throw new Error('failed after the DDL');
        })
        .catch((error: Error) => {
          errors.push(error.message);
          throw error;
        });
    });
    const id = webhookId(300);
    expect((await db.send(webhooks, id)).status).toBe(500);
    expect(errors[0]).toMatch(/ended its transaction itself.*DDL/);
    expect((await db.send(webhooks, id)).status).toBe(200);
    expect(await db.effectRows()).toEqual([id]);
    await webhooks.close();
  });

  it('DDL that slips past the check, then fn succeeds: a clear error, the effect recorded once, and the redelivery does not run fn again', async () => {
    const db = await open();
    const webhooks = db.receiver();
    const errors: string[] = [];
    let runs = 0;
    webhooks.on('PRODUCT_STATUS_CHANGED', async (event, ctx) => {
      await ctx
        .transaction(async (tx) => {
          runs++;
          await db.insert(tx, event.id);
          await tx.query(
            `PREPARE ddl FROM 'CREATE TABLE IF NOT EXISTS ${db.table}_ddl (id INT) ENGINE=InnoDB'`,
          );
          await tx.query('EXECUTE ddl'); // an implicit commit
          return 'done';
        })
        .catch((error: Error) => {
          errors.push(error.message);
          throw error;
        });
    });
    const id = webhookId(310);
    expect((await db.send(webhooks, id)).status).toBe(500);
    expect(errors[0]).toMatch(/ended its transaction itself.*DDL/);
    expect((await db.send(webhooks, id)).status).toBe(200);
    expect(runs).toBe(1);
    expect(await db.effectRows()).toEqual([id]);
    await webhooks.close();
  });

  it('a session setting fn changed is seen although the record is written with it: committed once, the connection closed', async () => {
    const db = await open({ connectionLimit: 1 });
    const id = webhookId(320);
    const value = await db.store.transactOnce(id, async (tx) => {
      await db.insert(tx, id);
      await tx.query("SET SESSION time_zone = '+05:00'");
      return 'kept';
    });
    expect(value).toBe('kept');
    expect(await db.store.transactOnce(id, async () => 'not run')).toBe('kept');
    const [rows] = await db.pool.query('SELECT @@time_zone AS zone');
    expect(String((rows as { zone: unknown }[])[0]!.zone)).not.toBe('+05:00');
    expect(await db.effectRows()).toEqual([id]);
  });

  it('one webhook in ctx.transaction: 4 statements before fn and 3 after it (lock; read and marks; isolation; begin | record; commit; unlock), besides the claim and the completion', async () => {
    const db = await open();
    const sent: string[] = [];
    const seen = new WeakSet<object>();
    // Every statement of the pool's connections, counted where mysql2 sends it: on those it
    // holds already and on those it opens later.
    const count = (connection: object) => {
      if (seen.has(connection)) return;
      seen.add(connection);
      const core = connection as { query: (...args: unknown[]) => unknown };
      const query = core.query;
      core.query = function (this: unknown, ...args: unknown[]) {
        const first = args[0] as string | { sql?: string };
        sent.push(typeof first === 'string' ? first : String(first.sql));
        return query.apply(this, args);
      };
    };
    const core = db.pool.pool as unknown as {
      on(event: string, listener: (connection: object) => void): void;
      _allConnections: { toArray(): object[] };
    };
    core.on('connection', count);
    for (const connection of core._allConnections.toArray()) count(connection);
    const webhooks = db.receiver();
    let inFn = -1;
    webhooks.on('PRODUCT_STATUS_CHANGED', async (event, ctx) => {
      await ctx.transaction(async (tx) => {
        inFn = sent.length;
        await db.insert(tx, event.id);
      });
    });
    expect((await db.send(webhooks, webhookId(330))).status).toBe(200); // warms up the pool
    sent.length = 0;
    const id = webhookId(331);
    expect((await db.send(webhooks, id)).status).toBe(200);
    expect(sent[0]).toMatch(/^INSERT INTO .*\sRETURNING\s/s); // the claim
    expect(sent.slice(1, inFn).map((sql) => sql.split(/\s/)[0])).toEqual([
      'SELECT', // GET_LOCK
      'SELECT', // the effect and the marks
      'SET', // the isolation
      'START',
    ]);
    expect(sent.slice(inFn + 1, -1).map((sql) => sql.split(/\s/)[0])).toEqual([
      'INSERT', // the record, while the marks are unchanged
      'COMMIT',
      'DO', // RELEASE_LOCK
    ]);
    expect(sent.at(-1)).toMatch(/^INSERT INTO .*'done'/s); // the completion
    expect(await db.effectRows()).toEqual([webhookId(330), id]);
    await webhooks.close();
  });

  it('a deadlock rolls back and runs fn again: both effects happen once', async () => {
    const db = await open({ connectionLimit: 5 });
    await db.pool.query(`CREATE TABLE ${db.table}_ddl (id INT PRIMARY KEY, v INT) ENGINE=InnoDB`);
    await db.pool.query(`INSERT INTO ${db.table}_ddl VALUES (1, 0), (2, 0)`);
    const transfer = (id: string, first: number, second: number) =>
      db.store.transactOnce(id, async (tx) => {
        await tx.query(`UPDATE ${db.table}_ddl SET v = v + 1 WHERE id = ?`, [first]);
        await sleep(150);
        await tx.query(`UPDATE ${db.table}_ddl SET v = v + 1 WHERE id = ?`, [second]);
        await db.insert(tx, id);
        return 'ok';
      });
    const results = await Promise.all([
      transfer(webhookId(400), 1, 2),
      transfer(webhookId(401), 2, 1),
    ]);
    expect(results).toEqual(['ok', 'ok']);
    const [rows] = await db.pool.query(`SELECT v FROM ${db.table}_ddl ORDER BY id`);
    expect((rows as { v: number }[]).map((row) => Number(row.v))).toEqual([2, 2]);
    expect((await db.effectRows()).sort()).toEqual([webhookId(400), webhookId(401)]);
  });

  it('a write to a MyISAM table then a failure: a clear error, and the kept write is not made twice', async () => {
    const db = await open({ engine: 'MyISAM' });
    const webhooks = db.receiver();
    const errors: string[] = [];
    webhooks.on('PRODUCT_STATUS_CHANGED', async (event, ctx) => {
      await ctx
        .transaction(async (tx) => {
          await db.insert(tx, event.id);
          throw new Error('the next write failed');
        })
        .catch((error: Error) => {
          errors.push(error.message);
          throw error;
        });
    });
    const id = webhookId(400);
    expect((await db.send(webhooks, id)).status).toBe(500);
    expect(errors[0]).toMatch(/cannot roll back \(MyISAM/);
    expect((await db.send(webhooks, id)).status).toBe(200);
    expect(await db.effectRows()).toEqual([id]);
    await webhooks.close();
  });

  it('refuses its own tables on an engine that cannot roll back, at migrate() and at first use', async () => {
    const pool = mysql.createPool({ uri: MYSQL_URL, connectionLimit: 2 });
    const table = uniqueName('pfw_myisam');
    opened.push({ pools: [pool], tables: [table, `${table}_dead`, `${table}_effects`] });
    await pool.query(`CREATE TABLE ${table} (id VARCHAR(64) PRIMARY KEY) ENGINE=MyISAM`);
    const store = mysqlStore({
      pool,
      table,
      deadLetterTable: `${table}_dead`,
      logger: false,
      pruneIntervalMs: 0,
    });
    await expect(store.migrate()).rejects.toThrow(
      new RegExp(`${table} is MyISAM.*ALTER TABLE ${table} ENGINE=InnoDB`),
    );
    await expect(store.claim(['a'], { leaseMs: 1000 })).rejects.toThrow(/transactional engine/);
  });
});
