import mysql from 'mysql2/promise';
import { afterEach, describe, expect, it } from 'vitest';
import {
  cleanUpAdversaries,
  onCleanUp,
  openAdversary as open,
} from '../../test/mysql-adversary.js';
import { MYSQL_URL, mysqlAvailable } from '../../test/services.js';
import { webhookId } from '../../test/webhook-fixtures.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Attacks on ctx.transaction on MariaDB, written by an adversarial pass after issue 40's cuts
 * (the marks read with the effect, the record inserted only while they are unchanged): takeovers
 * during fn, session changes that slip past the checks, fn ending its transaction, awkward
 * values and character sets. The cases it broke are fixed, each comment says how; the one
 * marked `it.fails` is a known limit, stated in the README.
 */
describe.runIf(await mysqlAvailable())('mysqlStore ctx.transaction under attack', () => {
  afterEach(cleanUpAdversaries);

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
      await db.store
        .transactOnce(id, async () => {
          runs++;
          return 'not run';
        })
        .catch(() => 'x'),
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
    emoji: 'ok 😀 ł',
    loneSurrogate: '\ud800x',
    nested: { a: [1, 'two', null, { b: true }], "key with 'quote'": -1.5e-300 },
    big: 'x'.repeat(2_000_000),
    empty: '',
    nullValue: null,
  };
  // Each on a utf8mb4 pool and on a latin1 one. Broke before issue 40's fixes on latin1 (fixed:
  // the result sent as hex of ASCII JSON): the pool sent the recorded JSON in latin1, so a
  // character outside it was stored as '?', and the later run got another value than fn
  // returned ("only values that read back the same").
  for (const charset of ['utf8mb4', 'latin1']) {
    for (const [name, value] of Object.entries(awkward)) {
      it(`fn returning an awkward value (${name}, a ${charset} pool): the later run gets the same value back`, async () => {
        const db = await open({ connectionLimit: 2, poolOptions: { charset } });
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
  }

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
    onCleanUp(async () => {
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
});
