/**
 * The time edges of ctx.transaction, long form, for `pnpm chaos` (issue 31): what one long
 * transaction does to everything else on the same store, and what a replay after the retention
 * does. Figures, not assertions: `pnpm chaos` prints them and fails when an effect doubles, a
 * lease lapses or an unrelated webhook is refused; the short forms are tests beside the stores.
 */
import { createPassfortWebhooks } from '@passfort-webhooks/core';
import { mysqlStore } from '@passfort-webhooks/core/mysql';
import { postgresStore } from '@passfort-webhooks/core/postgres';
import type { TransactionalStore } from '@passfort-webhooks/core/store';
import mysql from 'mysql2/promise';
import pg from 'pg';
import {
  KIT_SECRET,
  kitHeaders,
  kitWebhook,
  kitWebhookId,
} from '../src/conformance/kit-webhooks.js';
import { type ChaosDatabase, DATABASE_URL, MYSQL_URL } from './chaos.js';
import { sleep } from './wait-until.js';

export interface LongTransactionResult {
  database: ChaosDatabase;
  transactionMs: number;
  /** Unrelated webhooks sent while the long transaction ran, and how many got a 200. */
  others: number;
  othersAcked: number;
  /** The slowest answer to an unrelated webhook. */
  slowestOtherMs: number;
  /** Effects committed, of others + 1. */
  effects: number;
  /** The most the long webhook's lease was past its expiry while fn ran (≤ 0: never). */
  worstLapseMs: number;
  /** The most database sessions seen waiting on a lock for over a second at once while fn ran. */
  mostLockWaiters: number;
}

export interface RetentionResult {
  database: ChaosDatabase;
  letters: number;
  /** Times fn ran again when the letters were replayed after the retention. */
  rerunsOnReplay: number;
  /** Effect rows per letter beyond the first. */
  doubled: number;
}

interface Db {
  store: TransactionalStore<unknown> & { prune(): Promise<number> };
  insert(tx: unknown, id: string): Promise<void>;
  effects(): Promise<string[]>;
  /** ms past the lease's end (negative while live), and sessions waiting on a lock. */
  observe(id: string): Promise<{ lapseMs: number; waiters: number }>;
  close(): Promise<void>;
}

async function openDb(database: ChaosDatabase, retentionMs?: number): Promise<Db> {
  const table = `pfw_edges_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  const options = {
    table,
    deadLetterTable: `${table}_dead`,
    logger: false as const,
    ...(retentionMs === undefined ? {} : { retentionMs }),
  };
  if (database === 'postgres') {
    const pool = new pg.Pool({ connectionString: DATABASE_URL }); // pg's default pool of 10
    const observer = new pg.Pool({ connectionString: DATABASE_URL, max: 1 });
    const store = postgresStore({ pool, ...options });
    await store.migrate();
    await pool.query(`CREATE TABLE ${table}_fx (seq bigserial PRIMARY KEY, webhook_id text)`);
    return {
      store: store as Db['store'],
      async insert(tx, id) {
        await (tx as pg.PoolClient).query(`INSERT INTO ${table}_fx (webhook_id) VALUES ($1)`, [id]);
      },
      async effects() {
        return (await pool.query(`SELECT webhook_id FROM ${table}_fx ORDER BY seq`)).rows.map(
          (row) => row.webhook_id as string,
        );
      },
      async observe(id) {
        const { rows } = await observer.query(
          `SELECT (SELECT extract(epoch FROM now() - lease_until) * 1000 FROM ${table} WHERE id = $1) AS lapse,
                  (SELECT count(*)::int FROM pg_stat_activity WHERE datname = current_database()
                    AND wait_event_type = 'Lock' AND now() - query_start > interval '1 second') AS waiters`,
          [id],
        );
        return {
          lapseMs: Number(rows[0].lapse ?? Number.NEGATIVE_INFINITY),
          waiters: rows[0].waiters,
        };
      },
      async close() {
        store.close?.();
        await pool.query(
          `DROP TABLE IF EXISTS ${table}, ${table}_dead, ${table}_effects, ${table}_fx`,
        );
        await Promise.all([pool.end(), observer.end()]);
      },
    };
  }
  const pool = mysql.createPool({ uri: MYSQL_URL }); // mysql2's default pool of 10
  const observer = mysql.createPool({ uri: MYSQL_URL, connectionLimit: 1 });
  const store = mysqlStore({ pool, ...options });
  await store.migrate();
  await pool.query(
    `CREATE TABLE ${table}_fx (seq BIGINT AUTO_INCREMENT PRIMARY KEY, webhook_id VARCHAR(64)) ENGINE=InnoDB`,
  );
  return {
    store: store as Db['store'],
    async insert(tx, id) {
      await (tx as mysql.PoolConnection).query(`INSERT INTO ${table}_fx (webhook_id) VALUES (?)`, [
        id,
      ]);
    },
    async effects() {
      const [rows] = await pool.query(`SELECT webhook_id FROM ${table}_fx ORDER BY seq`);
      return (rows as { webhook_id: string }[]).map((row) => row.webhook_id);
    },
    async observe(id) {
      const [rows] = await observer.query(
        `SELECT (SELECT TIMESTAMPDIFF(MICROSECOND, lease_until, NOW(3)) / 1000 FROM ${table} WHERE id = ?) AS lapse,
                (SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE STATE LIKE '%lock%' AND TIME >= 1 AND INFO NOT LIKE '%PROCESSLIST%') AS waiters`,
        [id],
      );
      const row = (rows as { lapse: unknown; waiters: unknown }[])[0]!;
      return {
        lapseMs: row.lapse === null ? Number.NEGATIVE_INFINITY : Number(row.lapse),
        waiters: Number(row.waiters),
      };
    },
    async close() {
      store.close?.();
      await pool.query(
        `DROP TABLE IF EXISTS ${table}, ${table}_dead, ${table}_effects, ${table}_fx`,
      );
      await Promise.all([pool.end(), observer.end()]);
    },
  };
}

const send = (
  webhooks: { handle: ReturnType<typeof createPassfortWebhooks>['handle'] },
  body: unknown,
) => webhooks.handle({ method: 'POST', headers: kitHeaders(), body: JSON.stringify(body) });

/**
 * One transaction of `transactionMs` (45 s by default, as in the issue) on the default pool and
 * lease, and `others` unrelated webhooks sent one by one, each within Passfort's 5 s deadline,
 * while it runs.
 */
export async function runLongTransaction(
  database: ChaosDatabase,
  transactionMs = 45_000,
  others = 10,
): Promise<LongTransactionResult> {
  const db = await openDb(database);
  const webhooks = createPassfortWebhooks({ secret: KIT_SECRET, store: db.store, logger: false });
  const slow = kitWebhookId(1);
  let inside = false;
  webhooks.on('PRODUCT_STATUS_CHANGED', async (event, ctx) => {
    await ctx.transaction(async (tx) => {
      await db.insert(tx, event.id);
      if (event.id !== slow) return;
      inside = true;
      await sleep(transactionMs);
      inside = false;
    });
  });
  try {
    const slowAnswer = send(webhooks, kitWebhook(slow));
    while (!inside) await sleep(10);
    let worstLapseMs = Number.NEGATIVE_INFINITY;
    let mostLockWaiters = 0;
    let othersAcked = 0;
    let slowestOtherMs = 0;
    const spacing = Math.max(100, Math.floor(transactionMs / (others + 2)));
    const sending = (async () => {
      for (let i = 0; i < others; i++) {
        const started = Date.now();
        const answer = await send(webhooks, kitWebhook(kitWebhookId(100 + i)));
        slowestOtherMs = Math.max(slowestOtherMs, Date.now() - started);
        if (answer.status === 200) othersAcked++;
        await sleep(spacing);
      }
    })();
    while (inside) {
      const seen = await db.observe(slow);
      if (inside) {
        worstLapseMs = Math.max(worstLapseMs, seen.lapseMs);
        mostLockWaiters = Math.max(mostLockWaiters, seen.waiters);
      }
      await sleep(250);
    }
    await sending;
    await slowAnswer; // answered at the deadline (503): the transaction went on
    await webhooks.close(); // waits for it to commit
    const effects = (await db.effects()).length;
    return {
      database,
      transactionMs,
      others,
      othersAcked,
      slowestOtherMs,
      effects,
      worstLapseMs: Math.round(worstLapseMs),
      mostLockWaiters,
    };
  } finally {
    await webhooks.close();
    await db.close();
  }
}

/**
 * `letters` webhooks whose transaction commits and whose handler then fails (dead-lettered at
 * once), the retention passing (1 s here, 7 days in production) and `prune()`, then a replay of
 * every letter: fn must not run again.
 */
export async function runReplayAfterRetention(
  database: ChaosDatabase,
  letters = 20,
): Promise<RetentionResult> {
  const db = await openDb(database, 1_000);
  const webhooks = createPassfortWebhooks({
    secret: KIT_SECRET,
    store: db.store,
    logger: false,
    maxAttempts: 1,
  });
  let replaying = false;
  let rerunsOnReplay = 0;
  webhooks.on('PRODUCT_STATUS_CHANGED', async (event, ctx) => {
    await ctx.transaction(async (tx) => {
      if (replaying) rerunsOnReplay++;
      await db.insert(tx, event.id);
    });
    if (!replaying) throw new Error('failed after the commit');
  });
  try {
    const ids = Array.from({ length: letters }, (_, i) => kitWebhookId(200 + i));
    for (const id of ids) await send(webhooks, kitWebhook(id));
    await sleep(1_500);
    await db.store.prune();
    replaying = true;
    for (const id of ids) {
      await webhooks.deadLetters.replay(id, { ifSuperseded: 'run' });
    }
    const effects = await db.effects();
    return { database, letters, rerunsOnReplay, doubled: effects.length - new Set(effects).size };
  } finally {
    await webhooks.close();
    await db.close();
  }
}
