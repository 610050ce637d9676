import mysql from 'mysql2/promise';
import { afterEach, describe, expect, it } from 'vitest';
import { MYSQL_URL, mysqlAvailable, uniqueName } from '../../test/services.js';
import { bearer, productStatusChanged, SECRET, webhookId } from '../../test/webhook-fixtures.js';
import { createPassfortWebhooks } from '../create-passfort-webhooks.js';
import { mysqlStore } from './mysql-dedupe-store.js';
import type { MysqlPool, MysqlQueryable } from './mysql-pool.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Attacks on the promises of ctx.transaction and the claims on MariaDB, written by an
 * adversarial pass after issue 40's cuts (a claim with RETURNING; the marks read with the effect
 * and the record inserted only while they are unchanged). The cases it broke are fixed, each
 * comment says how; the two marked `it.fails` are known limits, stated in the README.
 */
describe.runIf(await mysqlAvailable())('mysqlStore under attack', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => {});
  });

  /** The session settings a user of the pool would inherit (connectionLimit 1: the same one). */
  const SESSION_SQL = `SELECT @@time_zone AS tz, @@sql_mode AS mode, @@autocommit AS ac,
    @@tx_read_only AS ro, @@sql_select_limit AS lim, @@max_statement_time AS mst,
    @@character_set_results AS results, @@character_set_client AS client, @@in_transaction AS trx`;

  async function open({
    connectionLimit = 10,
    poolOptions = {},
    wrap,
    onConnection,
  }: {
    connectionLimit?: number;
    poolOptions?: mysql.PoolOptions;
    wrap?: (pool: mysql.Pool) => MysqlPool;
    /** Run on every new connection of the pool, before the store uses it. */
    onConnection?: string | undefined;
  } = {}) {
    const table = uniqueName('pfw_atk');
    const effects = `${table}_fx`;
    const pool = mysql.createPool(
      poolOptions.user === undefined
        ? { uri: MYSQL_URL, connectionLimit, ...poolOptions }
        : { connectionLimit, ...poolOptions },
    );
    if (onConnection !== undefined) {
      (
        pool.pool as unknown as {
          on(event: string, listener: (connection: { query(sql: string): void }) => void): void;
        }
      ).on('connection', (connection) => connection.query(onConnection));
    }
    const admin = mysql.createPool({ uri: MYSQL_URL, connectionLimit: 3 });
    const extra: string[] = [];
    const procedures: string[] = [];
    cleanups.push(async () => {
      for (const procedure of procedures)
        await admin.query(`DROP PROCEDURE IF EXISTS ${procedure}`);
      await admin.query(
        `DROP TABLE IF EXISTS ${[table, `${table}_dead`, `${table}_effects`, effects, `${table}_ddl`, ...extra].join(', ')}`,
      );
      await pool.end().catch(() => {});
      await admin.end();
    });
    const storeOf = (on: MysqlPool) =>
      mysqlStore({
        pool: on,
        table,
        deadLetterTable: `${table}_dead`,
        logger: false,
        pruneIntervalMs: 0,
        transactionLockWaitMs: 3_000,
      });
    const store = storeOf(wrap ? wrap(pool) : pool);
    cleanups.push(async () => store.close?.());
    await store.migrate();
    await admin.query(
      `CREATE TABLE ${effects} (seq BIGINT AUTO_INCREMENT PRIMARY KEY, webhook_id VARCHAR(64)) ENGINE=InnoDB`,
    );
    /** A second store on the same tables, through a pool of its own (another replica). */
    const other = () => {
      const otherPool = mysql.createPool({ uri: MYSQL_URL, connectionLimit: 4 });
      const otherStore = storeOf(otherPool);
      cleanups.push(async () => {
        otherStore.close?.();
        await otherPool.end();
      });
      return otherStore;
    };
    const receiver = (on = store, extraOptions: { leaseMs?: number } = {}) =>
      createPassfortWebhooks({ secret: SECRET, store: on, logger: false, ...extraOptions });
    const send = (webhooks: ReturnType<typeof receiver>, id: string) =>
      webhooks.handle({
        method: 'POST',
        headers: bearer(),
        body: JSON.stringify(productStatusChanged(id)),
      });
    const effectRows = async () => {
      const [rows] = await admin.query(`SELECT webhook_id FROM ${effects} ORDER BY seq`);
      return (rows as { webhook_id: string }[]).map((row) => row.webhook_id);
    };
    const insert = async (tx: MysqlQueryable, id: string) => {
      await tx.query(`INSERT INTO ${effects} (webhook_id) VALUES (?)`, [id]);
    };
    const session = async () => {
      const [rows] = await pool.query(SESSION_SQL);
      const row = (rows as Record<string, unknown>[])[0]!;
      return Object.fromEntries(Object.entries(row).map(([k, v]) => [k, String(v)])) as Record<
        'tz' | 'mode' | 'ac' | 'ro' | 'lim' | 'mst' | 'results' | 'client' | 'trx',
        string
      >;
    };
    const procedure = async (name: string, body: string) => {
      const full = `${table}_${name}`;
      procedures.push(full);
      await admin.query(`CREATE PROCEDURE ${full}() ${body}`);
      return full;
    };
    return {
      table,
      effects,
      pool,
      admin,
      store,
      other,
      receiver,
      send,
      effectRows,
      insert,
      session,
      procedure,
      extra,
    };
  }

  // ---------------------------------------------------------------- claims (commit 1)

  it('30 concurrent claims of one id (one-row RETURNING): exactly one is claimed', async () => {
    const db = await open({ connectionLimit: 30 });
    const id = 'dup-one';
    const answers = await Promise.all(
      Array.from({ length: 30 }, (_, n) =>
        db.store.claim([id], { leaseMs: 30_000, owner: `o${n}` }),
      ),
    );
    const claimed = answers.filter(([a]) => a!.status === 'claimed');
    expect(claimed).toHaveLength(1);
    expect(claimed[0]![0]).toEqual({ status: 'claimed', attempt: 1 });
    expect(answers.filter(([a]) => a!.status === 'busy')).toHaveLength(29);
  });

  it('overlapping batches claimed concurrently, in different orders: each id claimed exactly once', async () => {
    const db = await open({ connectionLimit: 20 });
    const ids = Array.from({ length: 12 }, (_, n) => `ov-${String(n).padStart(2, '0')}`);
    const batches = Array.from({ length: 20 }, (_, n) => {
      const start = n % 6;
      const batch = ids.slice(start, start + 7);
      return n % 2 === 0 ? batch : [...batch].reverse();
    });
    const answers = await Promise.all(
      batches.map((batch, n) => db.store.claim(batch, { leaseMs: 30_000, owner: `b${n}` })),
    );
    const claims = new Map<string, number>();
    batches.forEach((batch, n) =>
      batch.forEach((id, i) => {
        if (answers[n]![i]!.status === 'claimed') claims.set(id, (claims.get(id) ?? 0) + 1);
      }),
    );
    expect([...claims.keys()].sort()).toEqual(ids);
    expect([...claims.values()].every((count) => count === 1)).toBe(true);
  });

  // KNOWN LIMIT, store API only (the two-step read sees the same
  // row): the second row of the same id in one INSERT … ON DUPLICATE KEY UPDATE matches the
  // claim's own token, so attempts is counted twice and the claim answers attempt 2. The
  // engine removes copies of an id from a batch before claiming (claim-batch.ts), so handle()
  // never sends this; see the next case.
  it.fails('a batch naming one id twice (store API): the id is claimed, at attempt 1, and a concurrent claimer gets busy', async () => {
    const db = await open();
    const [mine, theirs] = await Promise.all([
      db.store.claim(['twice', 'twice', 'once'], { leaseMs: 30_000, owner: 'a' }),
      db.store.claim(['twice'], { leaseMs: 30_000, owner: 'b' }),
    ]);
    const claimedBy = [mine[0]!.status, theirs[0]!.status].filter((s) => s === 'claimed');
    expect(claimedBy).toHaveLength(1);
    if (mine[0]!.status === 'claimed') {
      // Both entries name the same claim.
      expect(mine[0]).toEqual(mine[1]);
      expect(mine[0]).toEqual({ status: 'claimed', attempt: 1 });
    }
    expect(mine[2]).toEqual({ status: 'claimed', attempt: 1 });
  });

  it('a Passfort batch carrying the same webhook twice, delivered twice concurrently: fn once per id, then 200', async () => {
    const db = await open();
    const webhooks = db.receiver();
    let runs = 0;
    webhooks.on('PRODUCT_STATUS_CHANGED', async (event, ctx) => {
      await ctx.transaction(async (tx) => {
        runs++;
        await db.insert(tx, event.id);
      });
    });
    const [a, b] = [webhookId(550), webhookId(551)];
    const body = JSON.stringify([
      productStatusChanged(a),
      productStatusChanged(a),
      productStatusChanged(b),
    ]);
    const post = () => webhooks.handle({ method: 'POST', headers: bearer(), body });
    const answers = await Promise.all([post(), post()]);
    expect(answers.some((answer) => answer.status === 200)).toBe(true);
    expect((await post()).status).toBe(200);
    expect((await db.effectRows()).sort()).toEqual([a, b]);
    expect(runs).toBe(2);
    await webhooks.close();
  });

  for (const flags of [undefined, ['-FOUND_ROWS']]) {
    const label = flags === undefined ? 'default flags' : "flags ['-FOUND_ROWS']";
    it(`a completion racing a takeover is refused, one id or a batch (${label})`, async () => {
      const db = await open({ poolOptions: flags ? { flags } : {} });
      const other = db.other();
      // One id.
      await db.store.claim(['t1'], { leaseMs: 40, owner: 'a' });
      await sleep(80);
      expect(await other.claim(['t1'], { leaseMs: 30_000, owner: 'b' })).toEqual([
        { status: 'claimed', attempt: 2 },
      ]);
      expect(await db.store.complete(['t1'], { owner: 'a' })).toEqual({ refused: ['t1'] });
      // b's claim is intact: a third owner is busy, b completes.
      expect(await db.store.claim(['t1'], { leaseMs: 30_000, owner: 'c' })).toEqual([
        { status: 'busy' },
      ]);
      expect(await other.complete(['t1'], { owner: 'b' })).toEqual({ refused: [] });
      // A batch: one taken over, one still a's, one never claimed.
      await db.store.claim(['t2', 't3'], { leaseMs: 40, owner: 'a' });
      await sleep(80);
      await other.claim(['t3'], { leaseMs: 30_000, owner: 'b' });
      await db.store.renew!(['t2'], { leaseMs: 30_000, owner: 'a' }); // lapsed: not renewed
      expect(await db.store.complete(['t2', 't3', 't4'], { owner: 'a' })).toEqual({
        refused: ['t3'],
      });
      expect(await db.store.claim(['t2', 't3'], { leaseMs: 30_000, owner: 'c' })).toEqual([
        { status: 'done' },
        { status: 'busy' },
      ]);
    });

    it(`the same webhook delivered concurrently to two replicas, 10 times: one write, then 200 without fn (${label})`, async () => {
      const db = await open({ poolOptions: flags ? { flags } : {} });
      const otherStore = db.other();
      let runs = 0;
      const handler = async (event: { id: string }, ctx: { transaction: Function }) => {
        await ctx.transaction(async (tx: mysql.PoolConnection) => {
          runs++;
          await db.insert(tx, event.id);
          await sleep(30);
          return { ok: true };
        });
      };
      const a = db.receiver(db.store);
      const b = db.receiver(otherStore);
      a.on('PRODUCT_STATUS_CHANGED', handler as never);
      b.on('PRODUCT_STATUS_CHANGED', handler as never);
      const id = webhookId(500);
      const answers = await Promise.all(
        Array.from({ length: 10 }, (_, n) => db.send(n % 2 === 0 ? a : b, id)),
      );
      expect(answers.filter((answer) => answer.status === 200).length).toBeGreaterThanOrEqual(1);
      expect(answers.every((answer) => answer.status < 500 || answer.status === 503)).toBe(true);
      expect(await db.effectRows()).toEqual([id]);
      expect((await db.send(a, id)).status).toBe(200);
      expect((await db.send(b, id)).status).toBe(200);
      expect(runs).toBe(1);
      await a.close();
      await b.close();
    });
  }

  // ------------------------------------------------------ takeovers during fn (commit 2)

  it('a lease lapsing during fn, another owner claiming and running it: the first is refused and rolled back, the write happens once', async () => {
    const db = await open();
    const other = db.other();
    const id = webhookId(600);
    await db.store.claim([id], { leaseMs: 50, owner: 'a' });
    let taken: Promise<unknown> | undefined;
    const first = db.store.transactOnce(
      id,
      async (tx) => {
        await db.insert(tx, id);
        await sleep(100);
        expect(await other.claim([id], { leaseMs: 30_000, owner: 'b' })).toEqual([
          { status: 'claimed', attempt: 2 },
        ]);
        taken = other.transactOnce(
          id,
          async (tx2) => {
            await db.insert(tx2, id);
            return 'b';
          },
          { owner: 'b' },
        );
        await sleep(50);
        return 'a';
      },
      { owner: 'a' },
    );
    await expect(first).rejects.toThrow(/another delivery took the claim over/);
    expect(await taken).toBe('b');
    expect(await db.effectRows()).toEqual([id]);
    expect(await db.store.complete([id], { owner: 'a' })).toEqual({ refused: [id] });
    expect(await other.complete([id], { owner: 'b' })).toEqual({ refused: [] });
    expect(await db.store.transactOnce(id, async () => 'not run')).toBe('b');
  });

  // Broke in 9b5b91a (fixed: a refused or failed record closes the connection on MySQL): when the fast insert is refused because another owner took the
  // claim over, transactOnce throws takenOver before it compares the session marks, so a
  // session setting fn changed goes back to the pool. Before 9b5b91a the marks were read and
  // compared (discard = true) before the record was attempted.
  it('a takeover during fn that also changed a session setting: the connection does not go back to the pool with it', async () => {
    const db = await open({ connectionLimit: 1 });
    const other = db.other();
    const id = webhookId(610);
    await db.store.claim([id], { leaseMs: 50, owner: 'a' });
    const before = await db.session();
    await expect(
      db.store.transactOnce(
        id,
        async (tx) => {
          await tx.query("SET SESSION time_zone = '+05:00'");
          await db.insert(tx, id);
          await sleep(100);
          await other.claim([id], { leaseMs: 30_000, owner: 'b' });
          return 'a';
        },
        { owner: 'a' },
      ),
    ).rejects.toThrow(/another delivery took the claim over/);
    expect(await db.effectRows()).toEqual([]);
    expect((await db.session()).tz).toBe(before.tz);
  });

  // Broke in 9b5b91a (fixed): a record insert that fails after fn changed the session left
  // through recordCommitAndUnlock's rejection with discard still false, and the connection went
  // back to the pool with fn's setting. Here the insert waits on another transaction's
  // uncommitted record of the same id, past the lock wait fn shortened.
  it('a record insert failing after fn changed the session: the changed session does not go back to the pool', async () => {
    const db = await open({ connectionLimit: 1 });
    const id = webhookId(620);
    const before = await db.session();
    const holder = await db.admin.getConnection();
    try {
      await holder.beginTransaction();
      await holder.query(
        `INSERT INTO ${db.table}_effects (id, effect_at, result) VALUES (?, NOW(3), NULL)`,
        [id],
      );
      await expect(
        db.store.transactOnce(id, async (tx) => {
          await db.insert(tx, id);
          await tx.query('SET SESSION innodb_lock_wait_timeout = 1');
          return 'x';
        }),
      ).rejects.toThrow(/Lock wait timeout/);
    } finally {
      await holder.rollback();
      holder.release();
    }
    expect(await db.effectRows()).toEqual([]);
    const [rows] = await db.pool.query('SELECT @@innodb_lock_wait_timeout AS wait');
    expect(Number((rows as { wait: unknown }[])[0]!.wait)).not.toBe(1);
    expect((await db.session()).mode).toBe(before.mode);
  });

  // Broke before issue 40's fixes (fixed: the result sent as hex of ASCII JSON; the marks extended; every SELECT with LIMIT 1): the record is written with fn's session, and
  // under NO_BACKSLASH_ESCAPES mysql2's escaped JSON (`\"`) is stored with its backslashes:
  // the redelivery reads a value that is not what fn returned (or not JSON at all).
  it('fn switching to NO_BACKSLASH_ESCAPES and returning a string: the redelivery gets the same string back', async () => {
    const db = await open({ connectionLimit: 1 });
    const id = webhookId(630);
    expect(
      await db.store.transactOnce(id, async (tx) => {
        await db.insert(tx, id);
        await tx.query("SET SESSION sql_mode = CONCAT(@@sql_mode, ',NO_BACKSLASH_ESCAPES')");
        return 'value';
      }),
    ).toBe('value');
    expect(await db.effectRows()).toEqual([id]);
    expect((await db.session()).mode).not.toMatch(/NO_BACKSLASH_ESCAPES/);
    expect(await db.store.transactOnce(id, async () => 'not run')).toBe('value');
  });

  // ---------------------------------------------------------- session changes slipping by

  for (const [how, statements] of [
    ['SET @@session.time_zone', ["SET @@session.time_zone = '+03:00'"]],
    ['SET @@time_zone', ["SET @@time_zone = '+03:00'"]],
    [
      'a prepared SET',
      ["PREPARE s FROM 'SET time_zone = ''+03:00'''", 'EXECUTE s', 'DEALLOCATE PREPARE s'],
    ],
    ['SET NAMES latin1', ['SET NAMES latin1']],
    ['SET sql_mode', ["SET sql_mode = 'ANSI'"]],
    ['SET foreign_key_checks', ['SET foreign_key_checks = 0']],
    ['SET innodb_lock_wait_timeout', ['SET innodb_lock_wait_timeout = 7']],
  ] as const) {
    it(`fn changing the session by ${how}: committed once, the redelivery skips fn, the pool's session unchanged`, async () => {
      const db = await open({ connectionLimit: 1 });
      const before = await db.session();
      const id = webhookId(700);
      const value = await db.store.transactOnce(id, async (tx) => {
        await db.insert(tx, id);
        for (const statement of statements) await tx.query(statement);
        return { kept: 'ü' };
      });
      expect(value).toEqual({ kept: 'ü' });
      expect(await db.store.transactOnce(id, async () => 'not run')).toEqual({ kept: 'ü' });
      expect(await db.effectRows()).toEqual([id]);
      expect(await db.session()).toEqual(before);
    });
  }

  // autocommit is part of the transaction's mark on MariaDB (a flag alone cannot tell fn's
  // transaction from one begun after a hidden commit): a change of it is taken as the
  // transaction ended, as DDL is. Recorded once, named, never run again.
  it('fn changing autocommit by a prepared SET: named as ending its transaction, recorded once, the redelivery skips fn, the pool session unchanged', async () => {
    const db = await open({ connectionLimit: 1 });
    const before = await db.session();
    const id = webhookId(705);
    await expect(
      db.store.transactOnce(id, async (tx) => {
        await db.insert(tx, id);
        await tx.query("PREPARE s FROM 'SET autocommit = 0'");
        await tx.query('EXECUTE s');
        return { kept: 'ü' };
      }),
    ).rejects.toThrow(/ended its transaction itself/);
    expect(await db.store.transactOnce(id, async () => 'not run')).toEqual({ kept: 'ü' });
    expect(await db.effectRows()).toEqual([id]);
    expect(await db.session()).toEqual(before);
  });

  it('fn changing the session through a stored procedure: the pool session unchanged', async () => {
    const db = await open({ connectionLimit: 1 });
    const name = await db.procedure('tz', "SET SESSION time_zone = '+04:00'");
    const before = await db.session();
    const id = webhookId(710);
    expect(
      await db.store.transactOnce(id, async (tx) => {
        await db.insert(tx, id);
        await tx.query(`CALL ${name}()`);
        return 1;
      }),
    ).toBe(1);
    expect(await db.session()).toEqual(before);
    expect(await db.effectRows()).toEqual([id]);
  });

  // Broke before issue 40's fixes (fixed: the result sent as hex of ASCII JSON; the marks extended; every SELECT with LIMIT 1): the marks are a fixed list of variables; a
  // session setting outside it leaks to the pool. SET SESSION TRANSACTION READ ONLY makes every
  // later statement of the store on that connection fail (claims are writes): the next webhook
  // is answered 500 and its fn never runs.
  it('fn sending SET SESSION TRANSACTION READ ONLY: the next webhook still works', async () => {
    const db = await open({ connectionLimit: 1 });
    const webhooks = db.receiver();
    webhooks.on('PRODUCT_STATUS_CHANGED', async (event, ctx) => {
      await ctx.transaction(async (tx) => {
        await db.insert(tx, event.id);
        if (event.id === webhookId(720)) await tx.query('SET SESSION TRANSACTION READ ONLY');
      });
    });
    expect((await db.send(webhooks, webhookId(720))).status).toBe(200);
    const next = await db.send(webhooks, webhookId(721));
    await webhooks.close();
    expect((await db.session()).ro).toBe('0');
    expect(next.status).toBe(200);
    expect(await db.effectRows()).toEqual([webhookId(720), webhookId(721)]);
  });

  // Broke before issue 40's fixes (fixed: the result sent as hex of ASCII JSON; the marks extended; every SELECT with LIMIT 1): sql_select_limit = 0 is not among the marks and
  // leaks to the pool; on that connection GET_LOCK's SELECT then answers no row, so every
  // later ctx.transaction waits out transactionLockWaitMs and fails busy (and were the lock
  // taken, the effect read would find no row: a committed effect looks absent).
  it('fn sending SET SESSION sql_select_limit = 0: a later run of the same webhook gets the recorded value without running fn', async () => {
    const db = await open({ connectionLimit: 1 });
    const id = webhookId(730);
    let runs = 0;
    await db.store.transactOnce(id, async (tx) => {
      runs++;
      await db.insert(tx, id);
      await tx.query('SET SESSION sql_select_limit = 0');
      return 'first';
    });
    const again = await db.store
      .transactOnce(id, async (tx) => {
        runs++;
        await db.insert(tx, id);
        return 'second';
      })
      .catch((error: Error) => error.message);
    expect((await db.session()).lim).not.toBe('0');
    expect(runs).toBe(1);
    expect(again).toBe('first');
  });

  // Broke before issue 40's fixes (fixed: the result sent as hex of ASCII JSON; the marks extended; every SELECT with LIMIT 1): max_statement_time is not among the marks: the
  // connection goes back to the pool with it.
  it('fn sending SET SESSION max_statement_time: the pool session unchanged', async () => {
    const db = await open({ connectionLimit: 1 });
    const before = await db.session();
    const id = webhookId(740);
    await db.store.transactOnce(id, async (tx) => {
      await db.insert(tx, id);
      await tx.query('SET SESSION max_statement_time = 0.5');
    });
    expect(await db.session()).toEqual(before);
  });

  // ---------------------------------------------------------- fn ending its transaction

  it('DDL through a stored procedure then success: a clear error, recorded once, the redelivery 200 without fn', async () => {
    const db = await open();
    db.extra.push(`${db.table}_p`);
    const name = await db.procedure(
      'ddl',
      `CREATE TABLE IF NOT EXISTS ${db.table}_p (id INT) ENGINE=InnoDB`,
    );
    const webhooks = db.receiver();
    let runs = 0;
    const errors: string[] = [];
    webhooks.on('PRODUCT_STATUS_CHANGED', async (event, ctx) => {
      await ctx
        .transaction(async (tx) => {
          runs++;
          await db.insert(tx, event.id);
          await tx.query(`CALL ${name}()`);
          return 'done';
        })
        .catch((error: Error) => {
          errors.push(error.message);
          throw error;
        });
    });
    const id = webhookId(800);
    expect((await db.send(webhooks, id)).status).toBe(500);
    expect(errors[0]).toMatch(/ended its transaction itself/);
    expect((await db.send(webhooks, id)).status).toBe(200);
    expect(runs).toBe(1);
    expect(await db.effectRows()).toEqual([id]);
    await webhooks.close();
  });

  // KNOWN LIMIT (README, MySQL store): a procedure that commits and begins again leaves
  // @@in_transaction at 1 and the session unchanged, so the marks cannot see that fn's first
  // write was committed on its own. fn then fails: the rollback keeps that write, the webhook is
  // retried and fn runs again: the business row is written twice.
  it.fails('fn committing and beginning again (a procedure), then failing: the write is not doubled on the retry', async () => {
    const db = await open();
    const name = await db.procedure('cb', 'BEGIN COMMIT; START TRANSACTION; END');
    const webhooks = db.receiver();
    let runs = 0;
    webhooks.on('PRODUCT_STATUS_CHANGED', async (event, ctx) => {
      await ctx.transaction(async (tx) => {
        runs++;
        await db.insert(tx, event.id);
        await tx.query(`CALL ${name}()`);
        if (runs === 1) throw new Error('failed after the hidden commit');
      });
    });
    const id = webhookId(810);
    expect((await db.send(webhooks, id)).status).toBe(500);
    expect((await db.send(webhooks, id)).status).toBe(200);
    expect((await db.send(webhooks, id)).status).toBe(200);
    expect(await db.effectRows()).toEqual([id]); // fails: [id, id]
    await webhooks.close();
  });

  // Broke before (fixed: autocommit is part of the transaction's mark): without a procedure — a prepared SET
  // autocommit = 0, a prepared DDL (implicit commit), any statement (a new implicit
  // transaction: @@in_transaction is 1 again), then a failure. The marks' transaction mark is
  // unchanged, the first write was committed, the retry writes it again.
  it('fn: prepared SET autocommit = 0, prepared DDL, a read, then a failure: the write is not doubled on the retry', async () => {
    const db = await open();
    const webhooks = db.receiver();
    let runs = 0;
    webhooks.on('PRODUCT_STATUS_CHANGED', async (event, ctx) => {
      await ctx.transaction(async (tx) => {
        runs++;
        await db.insert(tx, event.id);
        if (runs > 1) return;
        await tx.query("PREPARE a FROM 'SET autocommit = 0'");
        await tx.query('EXECUTE a');
        await tx.query(
          `PREPARE d FROM 'CREATE TABLE IF NOT EXISTS ${db.table}_ddl (id INT) ENGINE=InnoDB'`,
        );
        await tx.query('EXECUTE d');
        await tx.query(`SELECT COUNT(*) FROM ${db.effects}`);
        throw new Error('failed after the hidden commit');
      });
    });
    const id = webhookId(820);
    expect((await db.send(webhooks, id)).status).toBe(500);
    expect((await db.send(webhooks, id)).status).toBe(200);
    expect(await db.effectRows()).toEqual([id]);
    await webhooks.close();
  });

  it('fn: prepared SET autocommit = 0, prepared DDL, a write, then success: recorded once, the redelivery does not run fn', async () => {
    const db = await open({ connectionLimit: 1 });
    const before = await db.session();
    const id = webhookId(830);
    let runs = 0;
    const outcome = await db.store
      .transactOnce(id, async (tx) => {
        runs++;
        await db.insert(tx, id);
        await tx.query("PREPARE a FROM 'SET autocommit = 0'");
        await tx.query('EXECUTE a');
        await tx.query(
          `PREPARE d FROM 'CREATE TABLE IF NOT EXISTS ${db.table}_ddl (id INT) ENGINE=InnoDB'`,
        );
        await tx.query('EXECUTE d');
        await db.insert(tx, `${id}-after`);
        return 'ok';
      })
      .then(
        (value) => ({ value }),
        (error: Error) => ({ error: error.message }),
      );
    // Either answer is defensible; what must hold: once, and no autocommit = 0 in the pool.
    expect(['ok', undefined]).toContain((outcome as { value?: string }).value);
    expect(
      await db.store.transactOnce(id, async () => (runs++, 'not run')).catch(() => 'x'),
    ).not.toBe('not run');
    expect(runs).toBe(1);
    expect(await db.session()).toEqual(before);
    expect((await db.effectRows()).filter((row) => row === id)).toEqual([id]);
  });

  // ---------------------------------------------------------- awkward values and charsets

  const awkward: Record<string, unknown> = {
    quotes: `it's "quoted" \`back\``,
    backslashes: 'C:\\path\\n\\u0000',
    nul: 'a\u0000b',
    unicode: 'café – 😀 \u2028\u2029',
    loneSurrogate: '\ud800x',
    nested: { a: [1, 'two', null, { b: true }], "key with 'quote'": -1.5e-300 },
    big: 'x'.repeat(2_000_000),
    empty: '',
    nullValue: null,
  };
  for (const [name, value] of Object.entries(awkward)) {
    it(`fn returning an awkward value (${name}): the later run gets the same value back`, async () => {
      const db = await open({ connectionLimit: 2 });
      const id = webhookId(900);
      expect(
        await db.store.transactOnce(id, async (tx) => {
          await db.insert(tx, id);
          return value;
        }),
      ).toEqual(value);
      expect(await db.store.transactOnce(id, async () => 'not run')).toEqual(value);
      expect(await db.effectRows()).toEqual([id]);
    });
  }

  // Broke before issue 40's fixes (fixed: the result sent as hex of ASCII JSON; the marks extended; every SELECT with LIMIT 1): a pool made with charset latin1 sends the
  // recorded JSON in latin1, so a character outside latin1 is stored as '?': the later run
  // gets a different value than fn returned ("only values that read back the same").
  it('a pool with charset latin1, fn returning an emoji: the later run gets the same value back', async () => {
    const db = await open({ connectionLimit: 2, poolOptions: { charset: 'latin1' } });
    const id = webhookId(910);
    const value = 'ok 😀 ł';
    expect(
      await db.store.transactOnce(id, async (tx) => {
        await db.insert(tx, id);
        return value;
      }),
    ).toBe(value);
    expect(await db.store.transactOnce(id, async () => 'not run')).toBe(value);
  });

  for (const setup of [
    { label: 'a pool with charset latin1', poolOptions: { charset: 'latin1' } },
    { label: 'SET NAMES latin1 on every connection', names: 'latin1' },
    { label: 'a latin1_bin collation_connection', names: 'latin1 COLLATE latin1_bin' },
  ] as const) {
    it(`${setup.label}: a session change in fn is seen, an unchanged one is kept, once each`, async () => {
      const db = await open({
        connectionLimit: 1,
        poolOptions: ('poolOptions' in setup ? setup.poolOptions : {}) as mysql.PoolOptions,
        onConnection: 'names' in setup ? `SET NAMES ${setup.names}` : undefined,
      });
      const before = await db.session();
      for (const [n, change] of [false, true].entries()) {
        const id = webhookId(920 + n);
        expect(
          await db.store.transactOnce(id, async (tx) => {
            await db.insert(tx, id);
            if (change) await tx.query("SET time_zone = '+07:00'");
            return 'é';
          }),
        ).toBe('é');
        expect(await db.store.transactOnce(id, async () => 'not run')).toBe('é');
        expect(await db.session()).toEqual(before);
      }
      expect(await db.effectRows()).toEqual([webhookId(920), webhookId(921)]);
    });
  }

  it('a user whose name is not ASCII (utf8mb4 and latin1 pools): once, and session changes seen', async () => {
    const user = `pfw_ü${Math.random().toString(36).slice(2, 6)}`;
    const root = mysql.createPool({ uri: MYSQL_URL, connectionLimit: 1 });
    await root.query('CREATE USER ?@? IDENTIFIED BY ?', [user, '%', 'pw']);
    cleanups.push(async () => {
      await root.query('DROP USER IF EXISTS ?@?', [user, '%']);
      await root.end();
    });
    await root.query('GRANT ALL ON test.* TO ?@?', [user, '%']);
    for (const charset of ['utf8mb4', 'latin1']) {
      const db = await open({
        connectionLimit: 1,
        poolOptions: {
          host: '127.0.0.1',
          port: 3306,
          user,
          password: 'pw',
          database: 'test',
          charset,
        },
      });
      const [who] = await db.pool.query('SELECT CURRENT_USER() AS u');
      expect(String((who as { u: string }[])[0]!.u)).toMatch(/^pfw_/);
      const before = await db.session();
      for (const [n, change] of [false, true].entries()) {
        const id = webhookId(930 + n);
        expect(
          await db.store.transactOnce(id, async (tx) => {
            await db.insert(tx, id);
            if (change) await tx.query("SET time_zone = '-02:00'");
            return n;
          }),
        ).toBe(n);
        expect(await db.store.transactOnce(id, async () => 'not run')).toBe(n);
        expect(await db.session()).toEqual(before);
      }
      expect(await db.effectRows()).toEqual([webhookId(930), webhookId(931)]);
    }
  });

  // ---------------------------------------------------------- connections killed

  /** A pool whose connections can be killed from outside at a chosen step of ctx.transaction. */
  function killing(admin: () => mysql.Pool, when: { step?: RegExp | 'after-commit' | undefined }) {
    return (pool: mysql.Pool): MysqlPool => ({
      query: (sql: string, values?: unknown) =>
        pool.query(sql, values as unknown[]) as Promise<[unknown, unknown]>,
      async getConnection() {
        const connection = await pool.getConnection();
        const patched = connection as unknown as { __patched?: boolean };
        if (!patched.__patched) {
          patched.__patched = true;
          const query = connection.query.bind(connection) as (...a: unknown[]) => Promise<unknown>;
          const commit = connection.commit.bind(connection);
          const kill = async () => {
            const target = when.step;
            when.step = undefined; // once
            if (target !== undefined) await admin().query(`KILL ${connection.threadId}`);
          };
          (connection as unknown as { query: unknown }).query = async (...args: unknown[]) => {
            const text = typeof args[0] === 'string' ? args[0] : '';
            const result = await query(...args);
            if (when.step instanceof RegExp && when.step.test(text)) await kill();
            return result;
          };
          (connection as unknown as { commit: unknown }).commit = async () => {
            await commit();
            if (when.step === 'after-commit') await kill();
          };
        }
        return connection;
      },
    });
  }

  for (const [moment, step, committed, expectedRuns] of [
    ['after the effect read (before fn)', /AS pfw_session\s+FROM/s, false, 1],
    ['after the record insert, before the commit', /^INSERT INTO \S+_effects/, false, 2],
    ['after the commit, before the unlock', 'after-commit', true, 1],
  ] as const) {
    it(`the transaction's connection killed ${moment}: at most once, and the next delivery settles it`, async () => {
      let adminPool: mysql.Pool | undefined;
      const when: { step?: RegExp | 'after-commit' | undefined } = {};
      const db = await open({ wrap: killing(() => adminPool!, when) });
      adminPool = db.admin;
      const webhooks = db.receiver();
      let runs = 0;
      webhooks.on('PRODUCT_STATUS_CHANGED', async (event, ctx) => {
        await ctx.transaction(async (tx) => {
          runs++;
          await db.insert(tx, event.id);
          return 'v';
        });
      });
      const id = webhookId(1000);
      when.step = step;
      const first = await db.send(webhooks, id);
      expect(when.step).toBeUndefined(); // the kill happened
      expect(first.status).toBe(committed ? 200 : 500);
      const second = await db.send(webhooks, id);
      expect(second.status).toBe(200);
      expect(await db.effectRows()).toEqual([id]);
      expect(runs).toBe(expectedRuns);
      expect((await db.send(webhooks, id)).status).toBe(200);
      expect(runs).toBe(expectedRuns);
      await webhooks.close();
    });
  }

  it('the connection killed while fn waits on a query: rejected, nothing kept, the redelivery runs it once', async () => {
    const db = await open();
    const webhooks = db.receiver();
    let runs = 0;
    webhooks.on('PRODUCT_STATUS_CHANGED', async (event, ctx) => {
      await ctx.transaction(async (tx) => {
        runs++;
        await db.insert(tx, event.id);
        if (runs === 1) {
          const threadId = (tx as unknown as { threadId: number }).threadId;
          setTimeout(() => void db.admin.query(`KILL ${threadId}`), 100);
          await tx.query('SELECT SLEEP(2)');
        }
      });
    });
    const id = webhookId(1100);
    expect((await db.send(webhooks, id)).status).toBe(500);
    expect(await db.effectRows()).toEqual([]);
    expect((await db.send(webhooks, id)).status).toBe(200);
    expect((await db.send(webhooks, id)).status).toBe(200);
    expect(await db.effectRows()).toEqual([id]);
    expect(runs).toBe(2);
    await webhooks.close();
  });
});
