/**
 * What `ctx.transaction` costs against the same guarantee written by hand (issue 40, item 3).
 *
 * Both sides take one webhook per call, with no HTTP: ours is `webhooks.handle()` whose
 * handler inserts a business row in `ctx.transaction`; the hand-written route parses the body,
 * checks the secret (Bearer and the body's, constant-time), then `BEGIN; INSERT idempotency
 * row ON CONFLICT DO NOTHING; INSERT business row; COMMIT` (a duplicate skips the business
 * row), which is exactly-once for the write too: a concurrent duplicate waits on the unique
 * index. Fresh ids throughout. Rounds alternate which side goes first; each figure is the
 * median of the per-round ratios (ours / hand-written), since this machine is shared.
 *
 * Round trips are counted by wrapping the driver's connections (every `query` or `execute`
 * sent on the pool or on a connection taken from it, mysql2's `beginTransaction`, `commit`
 * and `rollback` among them: a multi-statement string sent at once is one trip).
 *
 *   npx tsx packages/core/bench/transaction-bench.ts          full run (a few minutes)
 *   npx tsx packages/core/bench/transaction-bench.ts --quick  smoke run, figures meaningless
 *   TX_BENCH_DATABASES=postgres                               one database only
 */
import { timingSafeEqual } from 'node:crypto';
import { createPassfortWebhooks } from '@passfort-webhooks/core';
import { mysqlStore } from '@passfort-webhooks/core/mysql';
import { postgresStore } from '@passfort-webhooks/core/postgres';
import type { TransactionIsolation } from '@passfort-webhooks/core/store';
import mysql from 'mysql2/promise';
import pg from 'pg';

const quick = process.argv.includes('--quick');
const DATABASE_URL = process.env['DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
const MYSQL_URL = process.env['MYSQL_URL'] ?? 'mysql://root@127.0.0.1:3306/test';
const DATABASES = (process.env['TX_BENCH_DATABASES'] ?? 'postgres,mysql').split(',');
const SECRET = 'bench-secret';
/** Rounds per figure; webhooks per round one at a time; webhooks per round at 10 in flight. */
const ROUNDS = quick ? 1 : Number(process.env['TX_BENCH_ROUNDS'] ?? 7);
const SERIAL = quick ? 20 : 300;
const CONCURRENT = quick ? 20 : 600;
const IN_FLIGHT = 10;

const run = `${process.pid}-${Date.now().toString(36)}`;
let counter = 0;
function body(): string {
  const id = `txb-${run}-${counter++}`;
  return JSON.stringify({
    id,
    event: 'CHECK_COMPLETED',
    secret: SECRET,
    timestamp: 1568997222,
    data: { profile_id: 'profile-1', customer_ref: 'c-1', check: { id, decision: 'PASS' } },
  });
}
const headers = { authorization: `Bearer ${SECRET}`, 'content-type': 'application/json' };

/** A side of the comparison: handles one request body; counts its round trips. */
interface Side {
  name: string;
  handle(body: string): Promise<number>;
  trips(): number;
  close(): Promise<void>;
}

// --- round-trip counting --------------------------------------------------------------------

function countCalls<T extends object>(target: T, methods: readonly string[], count: () => void): T {
  for (const method of methods) {
    const original = (target as Record<string, unknown>)[method];
    if (typeof original !== 'function') continue;
    (target as Record<string, unknown>)[method] = function (this: unknown, ...args: unknown[]) {
      count();
      return (original as (...a: unknown[]) => unknown).apply(this, args);
    };
  }
  return target;
}

function countedPgPool(): { pool: pg.Pool; trips: () => number } {
  let trips = 0;
  const pool = new pg.Pool({ connectionString: DATABASE_URL, max: IN_FLIGHT });
  const seen = new WeakSet<object>();
  // Every pool.query, and every query of a client the pool hands out, goes through Client#query.
  pool.on('connect', (client) => {
    if (seen.has(client)) return;
    seen.add(client);
    countCalls(client, ['query'], () => trips++);
  });
  return { pool, trips: () => trips };
}

function countedMysqlPool(): { pool: mysql.Pool; trips: () => number } {
  let trips = 0;
  const pool = mysql.createPool({ uri: MYSQL_URL, connectionLimit: IN_FLIGHT });
  const seen = new WeakSet<object>();
  // The promise pool's query runs on a core connection: count at the core connection, once.
  (pool as unknown as { pool: { on(e: string, l: (c: object) => void): void } }).pool.on(
    'connection',
    (connection) => {
      if (seen.has(connection)) return;
      seen.add(connection);
      // beginTransaction, commit and rollback are sent through query: not counted twice.
      countCalls(connection, ['query', 'execute'], () => {
        trips++;
      });
    },
  );
  return { pool, trips: () => trips };
}

// --- the hand-written route -----------------------------------------------------------------

const secretBytes = new TextEncoder().encode(SECRET);
function secretMatches(given: unknown): boolean {
  if (typeof given !== 'string') return false;
  const bytes = new TextEncoder().encode(given);
  return bytes.length === secretBytes.length && timingSafeEqual(bytes, secretBytes);
}

/** Parse and secret check as the receiver does them (before its store), for both databases. */
function parseAndCheck(request: { headers: Record<string, string>; body: string }) {
  let envelope: { id?: unknown; secret?: unknown; event?: unknown; data?: unknown };
  try {
    envelope = JSON.parse(request.body) as typeof envelope;
  } catch {
    return 400;
  }
  const bearer = request.headers['authorization']?.replace(/^Bearer /, '');
  if (!secretMatches(bearer) || !secretMatches(envelope.secret)) return 401;
  if (typeof envelope.id !== 'string') return 400;
  return envelope as { id: string; event: string; data: unknown };
}

function handWrittenPg(table: string): Side {
  const { pool, trips } = countedPgPool();
  return {
    name: 'hand-written',
    trips,
    async handle(text) {
      const envelope = parseAndCheck({ headers, body: text });
      if (typeof envelope === 'number') return envelope;
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const fresh = await client.query(
          `INSERT INTO ${table}_seen (id) VALUES ($1) ON CONFLICT DO NOTHING RETURNING id`,
          [envelope.id],
        );
        if (fresh.rows.length > 0) {
          await client.query(`INSERT INTO ${table} (webhook_id, decision) VALUES ($1, $2)`, [
            envelope.id,
            'PASS',
          ]);
        }
        await client.query('COMMIT');
        return 200;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => {});
        throw error;
      } finally {
        client.release();
      }
    },
    close: () => pool.end(),
  };
}

function handWrittenMysql(table: string): Side {
  const { pool, trips } = countedMysqlPool();
  return {
    name: 'hand-written',
    trips,
    async handle(text) {
      const envelope = parseAndCheck({ headers, body: text });
      if (typeof envelope === 'number') return envelope;
      const connection = await pool.getConnection();
      try {
        await connection.beginTransaction();
        const [fresh] = await connection.query(`INSERT IGNORE INTO ${table}_seen (id) VALUES (?)`, [
          envelope.id,
        ]);
        if ((fresh as { affectedRows: number }).affectedRows > 0) {
          await connection.query(`INSERT INTO ${table} (webhook_id, decision) VALUES (?, ?)`, [
            envelope.id,
            'PASS',
          ]);
        }
        await connection.commit();
        return 200;
      } catch (error) {
        await connection.rollback().catch(() => {});
        throw error;
      } finally {
        connection.release();
      }
    },
    close: () => pool.end(),
  };
}

// --- ours -------------------------------------------------------------------------------------

async function oursPg(table: string, isolation: TransactionIsolation): Promise<Side> {
  const { pool, trips } = countedPgPool();
  const store = postgresStore({
    pool,
    table: `${table}_ids`,
    deadLetterTable: `${table}_dead`,
    logger: false,
    pruneIntervalMs: 0,
  });
  await store.migrate();
  const webhooks = createPassfortWebhooks({ secret: SECRET, store, logger: false });
  webhooks.on('CHECK_COMPLETED', async (event, ctx) => {
    await ctx.transaction(
      async (tx) => {
        await tx.query(`INSERT INTO ${table} (webhook_id, decision) VALUES ($1, $2)`, [
          event.id,
          'PASS',
        ]);
      },
      { isolation },
    );
  });
  return {
    name: `ctx.transaction (${isolation})`,
    trips,
    async handle(text) {
      return (await webhooks.handle({ method: 'POST', headers, body: text })).status;
    },
    async close() {
      await webhooks.close();
      store.close();
      await pool.end();
    },
  };
}

async function oursMysql(table: string, isolation: TransactionIsolation): Promise<Side> {
  const { pool, trips } = countedMysqlPool();
  const store = mysqlStore({
    pool,
    table: `${table}_ids`,
    deadLetterTable: `${table}_dead`,
    logger: false,
    pruneIntervalMs: 0,
  });
  await store.migrate();
  const webhooks = createPassfortWebhooks({ secret: SECRET, store, logger: false });
  webhooks.on('CHECK_COMPLETED', async (event, ctx) => {
    await ctx.transaction(
      async (tx) => {
        await tx.query(`INSERT INTO ${table} (webhook_id, decision) VALUES (?, ?)`, [
          event.id,
          'PASS',
        ]);
      },
      { isolation },
    );
  });
  return {
    name: `ctx.transaction (${isolation})`,
    trips,
    async handle(text) {
      return (await webhooks.handle({ method: 'POST', headers, body: text })).status;
    },
    async close() {
      await webhooks.close();
      store.close();
      await pool.end();
    },
  };
}

// --- measuring --------------------------------------------------------------------------------

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}
function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

async function oneAtATime(side: Side, n: number) {
  const times: number[] = [];
  const tripsBefore = side.trips();
  for (let i = 0; i < n; i++) {
    const text = body();
    const start = performance.now();
    const status = await side.handle(text);
    times.push(performance.now() - start);
    if (status !== 200) throw new Error(`${side.name}: answered ${status}`);
  }
  times.sort((a, b) => a - b);
  return {
    p50: percentile(times, 50),
    p99: percentile(times, 99),
    trips: (side.trips() - tripsBefore) / n,
  };
}

/** Milliseconds of wall time per webhook with IN_FLIGHT requests always in flight. */
async function tenAtATime(side: Side, n: number): Promise<number> {
  let next = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (next++ < n) {
        const status = await side.handle(body());
        if (status !== 200) throw new Error(`${side.name}: answered ${status}`);
      }
    }),
  );
  return (performance.now() - start) / n;
}

interface Figures {
  database: string;
  ours: string;
  tripsOurs: number;
  tripsHand: number;
  p50: [number, number, number];
  p99: [number, number, number];
  perWebhook: [number, number, number];
}

/** Alternating rounds of `ours` against `hand`; [ours, hand, median of per-round ratios]. */
async function compare(database: string, ours: Side, hand: Side): Promise<Figures> {
  for (const side of [ours, hand]) {
    await oneAtATime(side, quick ? 5 : 100); // warm-up: pools, JIT, plans
    await tenAtATime(side, quick ? 10 : 100);
  }
  const rounds: Array<{
    ours: Awaited<ReturnType<typeof oneAtATime>>;
    hand: (typeof rounds)[0]['ours'];
    oursMs: number;
    handMs: number;
  }> = [];
  for (let round = 0; round < ROUNDS; round++) {
    const first = round % 2 === 0 ? ours : hand;
    const second = first === ours ? hand : ours;
    const a = await oneAtATime(first, SERIAL);
    const b = await oneAtATime(second, SERIAL);
    const c = await tenAtATime(first, CONCURRENT);
    const d = await tenAtATime(second, CONCURRENT);
    rounds.push(
      first === ours
        ? { ours: a, hand: b, oursMs: c, handMs: d }
        : { ours: b, hand: a, oursMs: d, handMs: c },
    );
  }
  const figure = (pick: (r: (typeof rounds)[0]) => [number, number]): [number, number, number] => [
    median(rounds.map((r) => pick(r)[0])),
    median(rounds.map((r) => pick(r)[1])),
    median(rounds.map((r) => pick(r)[0] / pick(r)[1])),
  ];
  return {
    database,
    ours: ours.name,
    tripsOurs: median(rounds.map((r) => r.ours.trips)),
    tripsHand: median(rounds.map((r) => r.hand.trips)),
    p50: figure((r) => [r.ours.p50, r.hand.p50]),
    p99: figure((r) => [r.ours.p99, r.hand.p99]),
    perWebhook: figure((r) => [r.oursMs, r.handMs]),
  };
}

async function pgTables(table: string, create: boolean) {
  const client = new pg.Client({ connectionString: DATABASE_URL });
  await client.connect();
  await client.query(
    create
      ? `CREATE TABLE ${table} (id bigserial PRIMARY KEY, webhook_id text NOT NULL, decision text NOT NULL);
         CREATE TABLE ${table}_seen (id text PRIMARY KEY)`
      : `DROP TABLE IF EXISTS ${table}, ${table}_seen, ${table}_ids, ${table}_ids_effects, ${table}_dead`,
  );
  await client.end();
}

async function mysqlTables(table: string, create: boolean) {
  const connection = await mysql.createConnection({ uri: MYSQL_URL, multipleStatements: true });
  await connection.query(
    create
      ? `CREATE TABLE ${table} (id BIGINT AUTO_INCREMENT PRIMARY KEY, webhook_id VARCHAR(300) NOT NULL, decision VARCHAR(16) NOT NULL) ENGINE=InnoDB;
         CREATE TABLE ${table}_seen (id VARBINARY(1024) PRIMARY KEY) ENGINE=InnoDB`
      : `DROP TABLE IF EXISTS ${table}, ${table}_seen, ${table}_ids, ${table}_ids_effects, ${table}_dead`,
  );
  await connection.end();
}

const isolations: TransactionIsolation[] = quick
  ? ['read committed']
  : ['read committed', 'serializable'];
const results: Figures[] = [];
for (const database of DATABASES) {
  for (const isolation of isolations) {
    const table = `pfw_txbench_${process.pid}_${isolation === 'serializable' ? 's' : 'r'}`;
    const tables = database === 'mysql' ? mysqlTables : pgTables;
    await tables(table, false);
    await tables(table, true);
    const ours =
      database === 'mysql' ? await oursMysql(table, isolation) : await oursPg(table, isolation);
    const hand = database === 'mysql' ? handWrittenMysql(table) : handWrittenPg(table);
    try {
      results.push(await compare(database === 'mysql' ? 'MariaDB' : 'Postgres', ours, hand));
    } finally {
      await ours.close();
      await hand.close();
      await tables(table, false);
    }
  }
}

const ms = (n: number) => n.toFixed(2);
console.log(
  `\nctx.transaction against the hand-written transaction, one webhook per handle(); ${ROUNDS} alternating round(s) of ${SERIAL} one at a time and ${CONCURRENT} at ${IN_FLIGHT} in flight; medians (ratio = median of per-round ours/hand)${quick ? ' (--quick: not meaningful)' : ''}\n`,
);
console.table(
  results.map((r) => ({
    database: r.database,
    side: r.ours,
    'trips ours / hand': `${r.tripsOurs.toFixed(1)} / ${r.tripsHand.toFixed(1)}`,
    'p50 ms ours / hand': `${ms(r.p50[0])} / ${ms(r.p50[1])}`,
    'p50 ratio': r.p50[2].toFixed(2),
    'p99 ms ours / hand': `${ms(r.p99[0])} / ${ms(r.p99[1])}`,
    'p99 ratio': r.p99[2].toFixed(2),
    [`ms/webhook at ${IN_FLIGHT} ours / hand`]: `${ms(r.perWebhook[0])} / ${ms(r.perWebhook[1])}`,
    'throughput cost ratio': r.perWebhook[2].toFixed(2),
  })),
);
