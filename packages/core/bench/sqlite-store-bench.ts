/**
 * The SQLite store against the dedupe a user writes by hand on SQLite (issue 38, item 7), the
 * way store-bench.ts and the HTTP bench compare the Redis and Postgres stores: fresh
 * webhooks, whole requests, a no-op async handler, no HTTP.
 *
 * Ours: `webhooks.handle()` of the request with `sqliteStore` (libsql, a local WAL file).
 * By hand: parse, Bearer and body secrets compared in constant time, then per webhook
 * `INSERT OR IGNORE INTO ids (id, handled_at) VALUES (?, ?)` and, when it inserted, the
 * handler, in order (the bench servers' `receive`, on libsql instead of pg). Each side on its
 * own client and file, with the same libsql defaults (WAL, synchronous FULL).
 *
 * Two shapes, both one request at a time, as Passfort sends: a batch of 100 per request, and
 * one webhook per request. Rounds alternate which side goes first; the ratio is the median of
 * the rounds' ratios (ours events/s over hand-written events/s: above 1, ours is faster), since
 * this machine is shared. Calls on the libsql client, and the write transactions (commits)
 * among them, are counted per request.
 *
 * Then the memory a receiver with the SQLite store holds after 1 M ids, on libsql and
 * better-sqlite3 (Node), bun:sqlite (Bun) and node:sqlite (Deno): sqlite-store-rss.ts, in a
 * child process so that nothing else is counted.
 *
 *   npx tsx packages/core/bench/sqlite-store-bench.ts           full run (a few minutes)
 *   npx tsx packages/core/bench/sqlite-store-bench.ts --quick   smoke run, figures meaningless
 *   SQLITE_BENCH_ROUNDS=5, SQLITE_BENCH_IDS=1000000 (0: no memory figure)
 */
import { execFileSync } from 'node:child_process';
import { timingSafeEqual } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Client, createClient } from '@libsql/client';
import { createPassfortWebhooks } from '@passfort-webhooks/core';
import { libsqlDriver, sqliteStore } from '@passfort-webhooks/core/sqlite';

const quick = process.argv.includes('--quick');
const ROUNDS = Number(process.env['SQLITE_BENCH_ROUNDS'] ?? (quick ? 1 : 5));
const SECRET = 'bench-webhook-secret-3f9a';
const SHAPES = [
  { name: 'batch of 100', size: 100, requests: quick ? 5 : 60 },
  { name: 'one at a time', size: 1, requests: quick ? 50 : 600 },
] as const;

let counter = 0;
function freshBody(size: number): string {
  const envelopes = Array.from({ length: size }, () => {
    const id = `00000000-0000-4000-8000-${String(counter++).padStart(12, '0')}`;
    return {
      id,
      event: 'CHECK_COMPLETED',
      secret: SECRET,
      timestamp: 1568997222,
      data: { profile_id: 'profile-1', customer_ref: 'c-1', check: { id, decision: 'PASS' } },
    };
  });
  return JSON.stringify(size === 1 ? envelopes[0] : envelopes);
}

/** The handler both sides run for each webhook: async, as real ones are, without the I/O. */
async function handleWebhook(event: { id: string }) {
  await null;
  return event.id;
}

/**
 * Counts the calls made into a libsql client and the write transactions among them (each one
 * commit, SQLite's unit of cost here): a write `execute` (autocommit), a `batch`, or a
 * `transaction`, whose statements and COMMIT the store sends on it.
 */
function counting(client: Client) {
  const count = { calls: 0, commits: 0 };
  const WRITE = /^\s*(?:INSERT|UPDATE|DELETE|REPLACE)\b/i;
  const sql = (statement: unknown) =>
    typeof statement === 'string' ? statement : (statement as { sql: string }).sql;
  const counted = new Proxy(client, {
    get(target, key) {
      const value = Reflect.get(target, key);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        count.calls++;
        if (key === 'transaction' || key === 'batch') count.commits++;
        if (key === 'execute' && WRITE.test(sql(args[0]))) count.commits++;
        return value.apply(target, args);
      };
    },
  }) as Client;
  return { client: counted, count };
}

interface Side {
  handle(body: string): Promise<number>;
  count: { calls: number; commits: number };
  close(): Promise<void>;
}

const headers = { authorization: `Bearer ${SECRET}`, 'content-type': 'application/json' };
const expectedSecret = Buffer.from(SECRET);
function secretMatches(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  const presented = Buffer.from(value);
  return presented.length === expectedSecret.length && timingSafeEqual(presented, expectedSecret);
}

async function ours(file: string): Promise<Side> {
  const raw = createClient({ url: `file:${file}` });
  const { client, count } = counting(raw);
  const store = sqliteStore({ driver: libsqlDriver({ client }) });
  await store.migrate();
  const webhooks = createPassfortWebhooks({ secret: SECRET, store, logger: false });
  webhooks.onAny(handleWebhook);
  return {
    count,
    async handle(body) {
      return (await webhooks.handle({ method: 'POST', headers, body })).status;
    },
    async close() {
      await webhooks.close();
      await store.close?.();
      raw.close();
    },
  };
}

async function handWritten(file: string): Promise<Side> {
  const raw = createClient({ url: `file:${file}` });
  await raw.execute('PRAGMA journal_mode = WAL');
  await raw.execute(
    'CREATE TABLE IF NOT EXISTS ids (id TEXT PRIMARY KEY, handled_at INTEGER NOT NULL)',
  );
  const { client, count } = counting(raw);
  const claim = async (id: string) =>
    (
      await client.execute({
        sql: 'INSERT OR IGNORE INTO ids (id, handled_at) VALUES (?, ?)',
        args: [id, Date.now()],
      })
    ).rowsAffected === 1;
  return {
    count,
    async handle(body) {
      const authorization = headers.authorization;
      let parsed: unknown;
      try {
        parsed = JSON.parse(body);
      } catch {
        return 400;
      }
      const list = (Array.isArray(parsed) ? parsed : [parsed]) as { id: string; secret: string }[];
      if (!secretMatches(authorization.slice(7))) return 401;
      for (const item of list) if (!secretMatches(item?.secret)) return 401;
      for (const event of list) {
        if (!(await claim(event.id))) continue;
        await handleWebhook(event);
      }
      return 200;
    },
    async close() {
      raw.close();
    },
  };
}

interface Run {
  eventsPerSecond: number;
  p50: number;
  p99: number;
  callsPerRequest: number;
  commitsPerRequest: number;
}

async function run(side: Side, size: number, requests: number): Promise<Run> {
  for (let i = 0; i < 10; i++) await side.handle(freshBody(size)); // warm-up
  const before = { ...side.count };
  const times: number[] = [];
  const started = performance.now();
  for (let i = 0; i < requests; i++) {
    const body = freshBody(size);
    const start = performance.now();
    const status = await side.handle(body);
    times.push(performance.now() - start);
    if (status !== 200) throw new Error(`unexpected ${status}`);
  }
  const elapsed = performance.now() - started;
  times.sort((a, b) => a - b);
  const at = (p: number) => times[Math.min(times.length - 1, Math.floor(p * times.length))]!;
  return {
    eventsPerSecond: (requests * size * 1000) / elapsed,
    p50: at(0.5),
    p99: at(0.99),
    callsPerRequest: (side.count.calls - before.calls) / requests,
    commitsPerRequest: (side.count.commits - before.commits) / requests,
  };
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};

const dir = mkdtempSync(join(tmpdir(), 'pfw-sqlite-bench-'));
const rows: string[] = [];
try {
  for (const shape of SHAPES) {
    const oursRuns: Run[] = [];
    const handRuns: Run[] = [];
    const ratios: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      // A fresh pair of files per round: both sides start from the same table size.
      const a = await ours(join(dir, `ours-${shape.size}-${round}.db`));
      const b = await handWritten(join(dir, `hand-${shape.size}-${round}.db`));
      const order = round % 2 === 0 ? ['ours', 'hand'] : ['hand', 'ours'];
      let o: Run | undefined;
      let h: Run | undefined;
      for (const which of order) {
        if (which === 'ours') o = await run(a, shape.size, shape.requests);
        else h = await run(b, shape.size, shape.requests);
      }
      await a.close();
      await b.close();
      oursRuns.push(o!);
      handRuns.push(h!);
      ratios.push(o!.eventsPerSecond / h!.eventsPerSecond);
    }
    const m = (runs: Run[], key: keyof Run) => median(runs.map((r) => r[key]));
    const range = `${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)}`;
    rows.push(
      `| ${shape.name} | ${m(handRuns, 'eventsPerSecond').toFixed(0)} | ${m(oursRuns, 'eventsPerSecond').toFixed(0)} | ${median(ratios).toFixed(2)} (${range}) | ${m(handRuns, 'p50').toFixed(2)} / ${m(oursRuns, 'p50').toFixed(2)} | ${m(handRuns, 'p99').toFixed(2)} / ${m(oursRuns, 'p99').toFixed(2)} | ${m(handRuns, 'callsPerRequest').toFixed(1)} / ${m(oursRuns, 'callsPerRequest').toFixed(1)} | ${m(handRuns, 'commitsPerRequest').toFixed(1)} / ${m(oursRuns, 'commitsPerRequest').toFixed(1)} |`,
    );
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}

console.log(
  `\nSQLite store vs INSERT OR IGNORE per webhook (libsql, local WAL file), one request at a time, medians of ${ROUNDS} round(s)\n`,
);
console.log(
  '| shape | by hand events/s | ours events/s | ratio ours / by hand (range) | p50 ms by hand / ours | p99 ms by hand / ours | client calls per request by hand / ours | commits per request by hand / ours |',
);
console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
for (const row of rows) console.log(row);

// SQLITE_BENCH_IDS=0 leaves the memory figures out (1 M ids take about 2 minutes per driver
// here). Bun and Deno run the same script on their own SQLite, from this package's binaries.
const ids = Number(process.env['SQLITE_BENCH_IDS'] ?? (quick ? 20_000 : 1_000_000));
const script = fileURLToPath(new URL('./sqlite-store-rss.ts', import.meta.url));
const bin = (name: string) =>
  fileURLToPath(new URL(`../node_modules/.bin/${name}`, import.meta.url));
const runs: Array<{ driver: string; command: string; args: string[] }> = [
  ...['libsql', 'better-sqlite3'].map((driver) => ({
    driver,
    command: process.execPath,
    args: ['--import', 'tsx', '--expose-gc', script],
  })),
  { driver: 'bun:sqlite', command: bin('bun'), args: [script] },
  {
    driver: 'node:sqlite',
    command: bin('deno'),
    args: ['run', '-A', '--v8-flags=--expose-gc', script],
  },
];
for (const { driver, command, args } of ids > 0 ? runs : []) {
  let output: string;
  try {
    output = execFileSync(command, [...args, String(ids), driver], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
  } catch (error) {
    console.log(`\n${driver}: no memory figure (${(error as Error).message.split('\n')[0]})`);
    continue;
  }
  const rss = JSON.parse(output.trim().split('\n').at(-1)!) as {
    rssMb: number;
    heapMb: number;
    fileMb: number;
    seconds: number;
  };
  console.log(
    `\nA receiver with sqliteStore on ${driver} after ${ids.toLocaleString('en')} ids (batches of 100 through handle()): RSS +${rss.rssMb.toFixed(1)} MB, heap +${rss.heapMb.toFixed(1)} MB; the database file ${rss.fileMb.toFixed(0)} MB; ${rss.seconds.toFixed(0)} s`,
  );
}
