/**
 * Adversarial checks of the libsql Database driver (`libsqlDatabaseDriver`, through
 * sync-sqlite-driver.ts) and of the lazy commits, against real SQLite files: the store's
 * connection is left at `synchronous = FULL` whatever happened to a lazy write, the statement
 * cache stays correct past its bound, an in-memory database is refused, and ctx.transaction
 * keeps its promises when fn throws, runs its own COMMIT, or races a redelivery.
 */
import { createClient } from '@libsql/client';
import { createPassfortWebhooks } from '@passfort-webhooks/core';
import Libsql from 'libsql';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { temporaryDatabase } from '../../test/sqlite/sqlite-drivers.js';
import { libsqlDriver } from './drivers/libsql.js';
import { libsqlDatabaseDriver } from './drivers/libsql-database.js';
import { isBusyError } from './sqlite-busy.js';
import { sqliteLoopGuardStore } from './sqlite-loop-guard-store.js';
import { sqliteStore } from './sqlite-store.js';

const SECRET = 'adversarial-secret';
const headers = { authorization: `Bearer ${SECRET}`, 'content-type': 'application/json' };
const webhook = (id: string) =>
  JSON.stringify({
    id,
    event: 'CHECK_COMPLETED',
    secret: SECRET,
    timestamp: 1,
    data: { profile_id: 'p', check: { id, decision: 'PASS' } },
  });

const synchronousOf = (db: Libsql.Database) =>
  Number((db.prepare('PRAGMA synchronous').get() as { synchronous: number }).synchronous);

describe('the libsql Database driver, adversarially', () => {
  let database: ReturnType<typeof temporaryDatabase>;
  const handles: Libsql.Database[] = [];
  const closers: (() => unknown)[] = [];
  beforeEach(() => {
    database = temporaryDatabase();
  });
  afterEach(async () => {
    for (const close of closers.splice(0)) await close();
    for (const db of handles.splice(0)) {
      try {
        db.close();
      } catch {
        // closed by the driver
      }
    }
    database.remove();
  });
  /** A driver whose every connection is recorded, the store's own first. */
  const open = () => {
    const connections: Libsql.Database[] = [];
    const driver = libsqlDatabaseDriver({
      open: () => {
        const db = new Libsql(database.file);
        connections.push(db);
        handles.push(db);
        return db;
      },
    });
    closers.push(() => driver.close());
    return { driver, connections };
  };
  const other = () => {
    const db = new Libsql(database.file);
    handles.push(db);
    return db;
  };

  it('leaves the store’s connection at synchronous FULL after lazy writes, busy refusals and failed statements', async () => {
    const { driver, connections } = open();
    const store = sqliteStore({ driver, pruneIntervalMs: 0 });
    await store.migrate();
    await driver.exec('CREATE TABLE t (n INTEGER PRIMARY KEY)');
    const main = connections[0]!;
    expect(synchronousOf(main)).toBe(2);

    await driver.batch([{ sql: 'INSERT INTO t (n) VALUES (?)', args: [1] }], { durable: false });
    expect(synchronousOf(main)).toBe(2);

    // A statement error inside the batch: rolled back, FULL again, no transaction left open.
    await expect(
      driver.batch(
        [
          { sql: 'INSERT INTO t (n) VALUES (?)', args: [2] },
          { sql: 'INSERT INTO t (n) VALUES (?)', args: [1] },
        ],
        { durable: false },
      ),
    ).rejects.toThrow(/UNIQUE/);
    expect(synchronousOf(main)).toBe(2);
    expect(main.inTransaction).toBe(false);
    expect(main.prepare('SELECT n FROM t ORDER BY n').all()).toEqual([{ n: 1 }]);

    // Refused as busy: another connection holds the write lock.
    const holder = other();
    holder.exec('BEGIN IMMEDIATE');
    const refused = await driver
      .batch([{ sql: 'INSERT INTO t (n) VALUES (?)', args: [3] }], { durable: false })
      .then(
        () => undefined,
        (error: unknown) => error,
      );
    expect(isBusyError(refused)).toBe(true);
    expect(synchronousOf(main)).toBe(2);
    expect(main.inTransaction).toBe(false);
    holder.exec('ROLLBACK');

    // The store's own lazy claim, refused as busy, then done.
    const webhooks = createPassfortWebhooks({ secret: SECRET, store, logger: false });
    webhooks.on('CHECK_COMPLETED', async () => {});
    holder.exec('BEGIN IMMEDIATE');
    const busyStore = sqliteStore({ driver, pruneIntervalMs: 0, busyTimeoutMs: 50 });
    const busyHooks = createPassfortWebhooks({ secret: SECRET, store: busyStore, logger: false });
    busyHooks.on('CHECK_COMPLETED', async () => {});
    const busy = await busyHooks.handle({ method: 'POST', headers, body: webhook('w-busy') });
    expect(busy.status).toBe(503);
    expect(synchronousOf(main)).toBe(2);
    holder.exec('ROLLBACK');
    const done = await webhooks.handle({ method: 'POST', headers, body: webhook('w-busy') });
    expect(done.status).toBe(200);
    expect(synchronousOf(main)).toBe(2);
    // And the write right after, on the same connection, commits (nothing left active).
    await driver.query('INSERT INTO t (n) VALUES (?)', [4]);
    expect(holder.prepare('SELECT count(*) AS c FROM t WHERE n = 4').get()).toMatchObject({
      c: 1,
    });
  });

  it('leaves every connection at FULL after a webhook with ctx.transaction (lazy completion)', async () => {
    const { driver, connections } = open();
    const store = sqliteStore({ driver, pruneIntervalMs: 0 });
    await store.migrate();
    await driver.exec('CREATE TABLE effects (webhook_id TEXT PRIMARY KEY)');
    const webhooks = createPassfortWebhooks({ secret: SECRET, store, logger: false });
    webhooks.on('CHECK_COMPLETED', async (event, ctx) => {
      await ctx.transaction(async (db) => {
        (db as Libsql.Database).prepare('INSERT INTO effects VALUES (?)').run(event.id);
      });
    });
    for (const id of ['a', 'b', 'c']) {
      expect((await webhooks.handle({ method: 'POST', headers, body: webhook(id) })).status).toBe(
        200,
      );
    }
    expect(connections.length).toBeGreaterThanOrEqual(2);
    for (const db of connections) expect(synchronousOf(db)).toBe(2);
  });

  it('refuses an in-memory database with a clear error at ctx.transaction, recording nothing', async () => {
    const memories: Libsql.Database[] = [];
    const driver = libsqlDatabaseDriver({
      open: () => {
        const db = new Libsql(':memory:');
        handles.push(db);
        memories.push(db);
        return db;
      },
    });
    closers.push(() => driver.close());
    const store = sqliteStore({ driver, pruneIntervalMs: 0 });
    await store.migrate();
    const errors: unknown[] = [];
    const webhooks = createPassfortWebhooks({ secret: SECRET, store, logger: false });
    webhooks.on('CHECK_COMPLETED', async (_event, ctx) => {
      try {
        await ctx.transaction(async () => 'never');
      } catch (error) {
        errors.push(error);
        throw error;
      }
    });
    for (let i = 0; i < 3; i++) {
      const response = await webhooks.handle({ method: 'POST', headers, body: webhook('mem') });
      expect(response.status).toBeGreaterThanOrEqual(500);
    }
    expect(errors).toHaveLength(3);
    for (const error of errors) expect(String(error)).toMatch(/needs a database file/);
    // The refused connections are closed, not leaked one per attempt.
    expect(memories.slice(1).every((db) => !db.open)).toBe(true);
  });

  it('keeps its statement cache correct past 400 distinct texts', async () => {
    const { driver } = open();
    await driver.exec('CREATE TABLE t (n INTEGER PRIMARY KEY, v TEXT)');
    await driver.batch(
      Array.from({ length: 500 }, (_, n) => ({
        sql: 'INSERT INTO t (n, v) VALUES (?, ?)',
        args: [n, `v${n}`],
      })),
    );
    for (let round = 0; round < 3; round++) {
      for (let n = 0; n < 500; n++) {
        // A distinct text per n: the cache turns over more than once.
        const rows = await driver.query(`SELECT v, ${n} AS k FROM t WHERE n = ?`, [n]);
        expect(rows).toEqual([{ v: `v${n}`, k: n }]);
      }
    }
  });

  it('claims 1..100 ids per batch, twice, exactly once each', async () => {
    const { driver } = open();
    const store = sqliteStore({ driver, pruneIntervalMs: 0 });
    await store.migrate();
    const webhooks = createPassfortWebhooks({ secret: SECRET, store, logger: false });
    const runs = new Map<string, number>();
    webhooks.on('CHECK_COMPLETED', async (event) => {
      runs.set(event.id, (runs.get(event.id) ?? 0) + 1);
    });
    for (let round = 0; round < 2; round++) {
      for (let n = 1; n <= 100; n++) {
        const ids = Array.from({ length: n }, (_, i) => `r${round}-n${n}-i${i}`);
        const results = await Promise.all(
          ids.map((id) => webhooks.handle({ method: 'POST', headers, body: webhook(id) })),
        );
        expect(results.every((r) => r.status === 200)).toBe(true);
      }
    }
    // Redeliveries of everything: none runs again.
    for (const id of [...runs.keys()].slice(0, 300)) {
      expect((await webhooks.handle({ method: 'POST', headers, body: webhook(id) })).status).toBe(
        200,
      );
    }
    expect([...runs.values()].every((count) => count === 1)).toBe(true);
    expect(runs.size).toBe(2 * 5050);
  }, 120_000);

  const effectsHooks = async (options: { busyTimeoutMs?: number } = {}) => {
    const { driver, connections } = open();
    const store = sqliteStore({ driver, pruneIntervalMs: 0, ...options });
    await store.migrate();
    // No primary key: a doubled effect shows as two rows.
    await driver.exec('CREATE TABLE effects (webhook_id TEXT NOT NULL)');
    const webhooks = createPassfortWebhooks({ secret: SECRET, store, logger: false });
    const count = (id: string) =>
      Number(
        (
          other().prepare('SELECT count(*) AS c FROM effects WHERE webhook_id = ?').get(id) as {
            c: number;
          }
        ).c,
      );
    return { driver, connections, store, webhooks, count };
  };
  const insert = (db: unknown, id: string) =>
    (db as Libsql.Database).prepare('INSERT INTO effects (webhook_id) VALUES (?)').run(id);

  it('ctx.transaction: fn throws, nothing is kept, the redelivery does it once', async () => {
    const { webhooks, count, connections } = await effectsHooks();
    let fail = true;
    webhooks.on('CHECK_COMPLETED', async (event, ctx) => {
      await ctx.transaction(async (db) => {
        insert(db, event.id);
        if (fail) throw new Error('boom');
      });
    });
    expect((await webhooks.handle({ method: 'POST', headers, body: webhook('x') })).status).toBe(
      500,
    );
    expect(count('x')).toBe(0);
    for (const db of connections) expect(db.inTransaction).toBe(false);
    fail = false;
    for (let i = 0; i < 2; i++) {
      expect((await webhooks.handle({ method: 'POST', headers, body: webhook('x') })).status).toBe(
        200,
      );
    }
    expect(count('x')).toBe(1);
  });

  it('ctx.transaction: fn running its own COMMIT or BEGIN never doubles the effect', async () => {
    const { webhooks, count, connections } = await effectsHooks();
    let mode: 'commit' | 'begin' | 'plain' = 'commit';
    webhooks.on('CHECK_COMPLETED', async (event, ctx) => {
      await ctx.transaction(async (db) => {
        const d = db as Libsql.Database;
        if (mode === 'begin') d.exec('BEGIN');
        insert(d, event.id);
        if (mode === 'commit') d.exec('COMMIT');
      });
    });
    // fn's own COMMIT ends the library's transaction: the run fails, and whatever fn's COMMIT
    // made durable, redeliveries never run the effect a second time.
    expect((await webhooks.handle({ method: 'POST', headers, body: webhook('y1') })).status).toBe(
      500,
    );
    // A BEGIN inside the open transaction fails: fn throws, nothing is kept.
    mode = 'begin';
    expect((await webhooks.handle({ method: 'POST', headers, body: webhook('y2') })).status).toBe(
      500,
    );
    expect(count('y2')).toBe(0);
    for (const db of connections) if (db.open) expect(db.inTransaction).toBe(false);
    mode = 'plain';
    for (let i = 0; i < 2; i++) {
      for (const id of ['y1', 'y2']) {
        expect((await webhooks.handle({ method: 'POST', headers, body: webhook(id) })).status).toBe(
          200,
        );
      }
    }
    expect([count('y1'), count('y2')]).toEqual([1, 1]);
  });

  it('ctx.transaction: a redelivery racing the first run waits, then skips fn', async () => {
    const { webhooks, count } = await effectsHooks({ busyTimeoutMs: 100 });
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    let entered!: () => void;
    const inside = new Promise<void>((resolve) => {
      entered = resolve;
    });
    let runs = 0;
    webhooks.on('CHECK_COMPLETED', async (event, ctx) => {
      runs++;
      await ctx.transaction(async (db) => {
        insert(db, event.id);
        entered();
        await gate;
      });
    });
    const first = webhooks.handle({ method: 'POST', headers, body: webhook('z') });
    await inside;
    // The first run holds the write lock: the second cannot claim, and answers 503.
    const second = await webhooks.handle({ method: 'POST', headers, body: webhook('z') });
    expect(second.status).toBe(503);
    release();
    expect((await first).status).toBe(200);
    const third = await webhooks.handle({ method: 'POST', headers, body: webhook('z') });
    expect(third.status).toBe(200);
    expect(runs).toBe(1);
    expect(count('z')).toBe(1);
  });

  it('closing the store while a ctx.transaction is open frees the lock and leaks no connection', async () => {
    const { webhooks, count, connections, store } = await effectsHooks();
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    let entered!: () => void;
    const inside = new Promise<void>((resolve) => {
      entered = resolve;
    });
    webhooks.on('CHECK_COMPLETED', async (event, ctx) => {
      await ctx.transaction(async (db) => {
        insert(db, event.id);
        entered();
        await gate;
      });
    });
    const first = webhooks.handle({ method: 'POST', headers, body: webhook('c') });
    await inside;
    await store.close?.();
    release();
    await first;
    // Whatever the answer, every connection the driver opened is closed, and the lock is free.
    expect(connections.filter((db) => db.open)).toEqual([]);
    const probe = other();
    probe.exec('BEGIN IMMEDIATE');
    probe.exec('ROLLBACK');
    expect(count('c')).toBeLessThanOrEqual(1);
  });

  it('ctx.transaction: session PRAGMAs fn sets on its Database do not follow the pooled connection', async () => {
    const { webhooks, count } = await effectsHooks();
    let mode: 'busy' | 'readonly' | 'plain' = 'busy';
    const seen: unknown[] = [];
    webhooks.on('CHECK_COMPLETED', async (event, ctx) => {
      await ctx.transaction(async (db) => {
        const d = db as Libsql.Database;
        const level = (name: string) =>
          Object.values(d.prepare(`PRAGMA ${name}`).get() as Record<string, unknown>)[0];
        seen.push([level('busy_timeout'), level('query_only'), level('synchronous')]);
        insert(d, event.id);
        // busy_timeout would block the event loop on the next BEGIN of this connection (and
        // deadlock against a transaction of this process); query_only fails every write.
        if (mode === 'busy') d.exec('PRAGMA busy_timeout = 5000');
        if (mode === 'readonly') d.exec('PRAGMA query_only = 1');
      });
    });
    expect((await webhooks.handle({ method: 'POST', headers, body: webhook('p1') })).status).toBe(
      200,
    );
    mode = 'readonly';
    // Its own record is refused: the run fails, its effect rolled back.
    expect((await webhooks.handle({ method: 'POST', headers, body: webhook('p2') })).status).toBe(
      500,
    );
    mode = 'plain';
    for (const id of ['p3', 'p2', 'p4']) {
      expect((await webhooks.handle({ method: 'POST', headers, body: webhook(id) })).status).toBe(
        200,
      );
    }
    expect(['p1', 'p2', 'p3', 'p4'].map(count)).toEqual([1, 1, 1, 1]);
    for (const each of seen) expect(each).toEqual([0, 0, 2]);
  });

  it('a store and a loop-guard store share one driver', async () => {
    const { driver, connections } = open();
    const store = sqliteStore({ driver, pruneIntervalMs: 0 });
    const guard = sqliteLoopGuardStore({ driver });
    await store.migrate();
    await guard.migrate();
    await driver.exec('CREATE TABLE effects (webhook_id TEXT NOT NULL)');
    const webhooks = createPassfortWebhooks({ secret: SECRET, store, logger: false });
    webhooks.on('CHECK_COMPLETED', async (event, ctx) => {
      await ctx.transaction(async (db) => insert(db, event.id));
      await guard.remember('p', event.id, `f-${event.id}`, 60_000);
    });
    for (const id of ['g1', 'g2', 'g1']) {
      expect((await webhooks.handle({ method: 'POST', headers, body: webhook(id) })).status).toBe(
        200,
      );
    }
    expect(await guard.take('p', 'f-g1', 'w1')).toBe(true);
    expect(await guard.take('p', 'f-g1', 'w1')).toBe(true);
    expect(await guard.take('p', 'f-g1', 'w2')).toBe(false);
    expect(await guard.take('p', 'f-g2')).toBe(true);
    expect(await guard.take('p', 'f-g2')).toBe(false);
    for (const db of connections) expect(synchronousOf(db)).toBe(2);
    // Closing the store closes the shared driver: the guard still works, and leaves nothing open.
    await store.close?.();
    await guard.remember('p', 'late', 'f-late', 60_000);
    expect(await guard.take('p', 'f-late')).toBe(true);
    expect(connections.filter((db) => db.open)).toEqual([]);
  });
});

describe('lazy commits on a @libsql/client the app shares with the store', () => {
  let database: ReturnType<typeof temporaryDatabase>;
  beforeEach(() => {
    database = temporaryDatabase();
  });
  afterEach(() => {
    database.remove();
  });

  it('the app’s own statements on the client run at FULL after lazy writes, busy refusals and failed batches', async () => {
    const client = createClient({ url: `file:${database.file}` });
    const holder = new Libsql(database.file);
    try {
      const driver = libsqlDriver({ client });
      const store = sqliteStore({ driver, pruneIntervalMs: 0, busyTimeoutMs: 50 });
      await store.migrate();
      await client.execute('CREATE TABLE t (n INTEGER PRIMARY KEY)');
      const level = async () =>
        Number((await client.execute('PRAGMA synchronous')).rows[0]!['synchronous']);
      const webhooks = createPassfortWebhooks({ secret: SECRET, store, logger: false });
      webhooks.on('CHECK_COMPLETED', async (event, ctx) => {
        await ctx.transaction(async (tx) => {
          await (tx as { execute(s: unknown): Promise<unknown> }).execute({
            sql: 'INSERT INTO t (n) VALUES (?)',
            args: [Number(event.id.slice(1))],
          });
        });
      });

      expect((await webhooks.handle({ method: 'POST', headers, body: webhook('n1') })).status).toBe(
        200,
      );
      expect(await level()).toBe(2);

      await expect(
        driver.batch(
          [
            { sql: 'INSERT INTO t (n) VALUES (?)', args: [100] },
            { sql: 'INSERT INTO t (n) VALUES (?)', args: [100] },
          ],
          { durable: false },
        ),
      ).rejects.toThrow(/UNIQUE/);
      expect(await level()).toBe(2);

      holder.exec('BEGIN IMMEDIATE');
      const refused = await driver
        .batch([{ sql: 'INSERT INTO t (n) VALUES (?)', args: [101] }], { durable: false })
        .then(
          () => undefined,
          (error: unknown) => error,
        );
      expect(isBusyError(refused)).toBe(true);
      expect(await level()).toBe(2);
      expect((await webhooks.handle({ method: 'POST', headers, body: webhook('n2') })).status).toBe(
        503,
      );
      expect(await level()).toBe(2);
      holder.exec('ROLLBACK');

      // The app's own write on the client commits at once, and a later webhook is done.
      await client.execute({ sql: 'INSERT INTO t (n) VALUES (?)', args: [102] });
      expect((await webhooks.handle({ method: 'POST', headers, body: webhook('n2') })).status).toBe(
        200,
      );
      expect(await level()).toBe(2);
      const rows = holder.prepare('SELECT n FROM t ORDER BY n').all() as { n: number }[];
      expect(rows.map((row) => row.n)).toEqual([1, 2, 102]);
      await store.close?.();
    } finally {
      holder.close();
      client.close();
    }
  });
});
