/**
 * Store figures for a batch of 100: round trips to claim and to complete, and ack latency
 * (webhooks.handle() of a whole batch, no-op handler) per store; and the memory store's RSS
 * for 1 M remembered ids (in a child process, so nothing else is counted).
 *
 *   pnpm bench           full run
 *   pnpm bench --quick   a few seconds, for CI smoke (figures are not meaningful)
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createPassfortWebhooks, memoryStore } from '@passfort-webhooks/core';
import { postgresStore } from '@passfort-webhooks/core/postgres';
import { redisStore } from '@passfort-webhooks/core/redis';
import type { DedupeStore } from '@passfort-webhooks/core/store';
import { Redis } from 'ioredis';
import pg from 'pg';
import { runDiffBench } from './diff-bench.js';
import { runInstrumentationBench } from './instrumentation-bench.js';

const quick = process.argv.includes('--quick');
const REDIS_URL = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';
const DATABASE_URL = process.env['DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
const SECRET = 'bench-secret';
const BATCH = 100;
const ROUNDS = quick ? 20 : 500;

function envelope(id: string) {
  return {
    id,
    event: 'CHECK_COMPLETED',
    secret: SECRET,
    timestamp: 1568997222,
    data: { profile_id: 'profile-1', customer_ref: 'c-1', check: { id, decision: 'PASS' } },
  };
}

let counter = 0;
function freshBatch(): string {
  return JSON.stringify(
    Array.from({ length: BATCH }, () => envelope(`bench-${process.pid}-${counter++}`)),
  );
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** Counts calls of each store method and the round trips the backend client made for them. */
function counting(store: DedupeStore, roundTrips: () => number) {
  const calls = { claim: 0, complete: 0 };
  const trips = { claim: 0, complete: 0 };
  const wrap = (name: 'claim' | 'complete') => {
    const original = store[name].bind(store) as (...args: never[]) => unknown;
    return async (...args: never[]) => {
      const before = roundTrips();
      calls[name]++;
      const result = await original(...args);
      trips[name] += roundTrips() - before;
      return result;
    };
  };
  const wrapped = { ...store, claim: wrap('claim'), complete: wrap('complete') } as DedupeStore;
  return { store: wrapped, calls, trips };
}

interface Row {
  store: string;
  claimTrips: string;
  completeTrips: string;
  p50: string;
  p99: string;
}

async function measure(name: string, store: DedupeStore, roundTrips: () => number): Promise<Row> {
  const counted = counting(store, roundTrips);
  const webhooks = createPassfortWebhooks({ secret: SECRET, store: counted.store });
  webhooks.onAny(() => {});
  const request = (body: string) => ({
    method: 'POST',
    headers: { authorization: `Bearer ${SECRET}`, 'content-type': 'application/json' },
    body,
  });
  for (let i = 0; i < 20; i++) await webhooks.handle(request(freshBatch())); // warm-up
  counted.calls.claim = counted.calls.complete = counted.trips.claim = counted.trips.complete = 0;
  const times: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const body = freshBatch();
    const start = performance.now();
    const response = await webhooks.handle(request(body));
    times.push(performance.now() - start);
    if (response.status !== 200)
      throw new Error(`${name}: unexpected ${response.status} ${response.body}`);
  }
  await webhooks.close();
  times.sort((a, b) => a - b);
  const perBatch = (n: number) => (n / ROUNDS).toFixed(2);
  return {
    store: name,
    claimTrips: `${perBatch(counted.trips.claim)} (${perBatch(counted.calls.claim)} calls)`,
    completeTrips: `${perBatch(counted.trips.complete)} (${perBatch(counted.calls.complete)} calls)`,
    p50: percentile(times, 50).toFixed(2),
    p99: percentile(times, 99).toFixed(2),
  };
}

async function storeRows(): Promise<Row[]> {
  const rows: Row[] = [await measure('memory', memoryStore(), () => 0)];

  const redis = new Redis(REDIS_URL);
  let redisTrips = 0;
  const send = redis.sendCommand.bind(redis);
  redis.sendCommand = ((...args: Parameters<typeof send>) => {
    redisTrips++;
    return send(...args);
  }) as typeof redis.sendCommand;
  const prefix = `bench-${process.pid}`;
  rows.push(await measure('redis', redisStore({ client: redis, prefix }), () => redisTrips));
  const keys = await redis.keys(`{${prefix}}:*`);
  for (let i = 0; i < keys.length; i += 1000) await redis.del(...keys.slice(i, i + 1000));
  redis.disconnect();

  const pool = new pg.Pool({ connectionString: DATABASE_URL, max: 4 });
  let pgTrips = 0;
  const counted = {
    query: (text: string, values?: unknown[]) => {
      pgTrips++;
      return pool.query(text, values) as Promise<{ rows: Record<string, unknown>[] }>;
    },
  };
  const table = `bench_ids_${process.pid}`;
  const store = postgresStore({ pool: counted, table, deadLetterTable: `${table}_dead` });
  await store.migrate();
  pgTrips = 0;
  rows.push(await measure('postgres', store, () => pgTrips));
  await pool.query(`DROP TABLE ${table}, ${table}_dead, ${table}_effects`);
  await store.close?.();
  await pool.end();
  return rows;
}

function memoryRss(ids: number): { rssMb: number; heapMb: number } {
  const script = fileURLToPath(new URL('./memory-store-rss.ts', import.meta.url));
  const output = execFileSync(
    process.execPath,
    ['--import', 'tsx', '--expose-gc', script, String(ids)],
    {
      encoding: 'utf8',
    },
  );
  return JSON.parse(output.trim().split('\n').at(-1)!);
}

function table(rows: Record<string, string>[]): string {
  const columns = Object.keys(rows[0]!);
  const widths = columns.map((c) => Math.max(c.length, ...rows.map((r) => r[c]!.length)));
  const line = (cells: string[]) =>
    `| ${cells.map((cell, i) => cell.padEnd(widths[i]!)).join(' | ')} |`;
  return [
    line(columns),
    line(widths.map((w) => '-'.repeat(w))),
    ...rows.map((r) => line(columns.map((c) => r[c]!))),
  ].join('\n');
}

const rows = await storeRows();
console.log(
  `\nDedupe stores, batch of ${BATCH}, ${ROUNDS} batches each (round trips per batch; ack latency of handle() in ms)\n`,
);
console.log(
  table(
    rows.map((r) => ({
      store: r.store,
      'claim round trips': r.claimTrips,
      'complete round trips': r.completeTrips,
      'ack p50 ms': r.p50,
      'ack p99 ms': r.p99,
    })),
  ),
);
const ids = quick ? 100_000 : 1_000_000;
const rss = memoryRss(ids);
console.log(
  `\nmemoryStore with ${ids.toLocaleString('en')} remembered ids: RSS +${rss.rssMb.toFixed(1)} MB (heap +${rss.heapMb.toFixed(1)} MB)`,
);

const diff = runDiffBench(quick);
const instrumentation = await runInstrumentationBench(quick);

if (!quick) {
  const targets = [
    [
      'diffCollectedData at least as fast as microdiff on 20 KB snapshots',
      diff.ours >= diff.microdiff,
    ],
    ['a no-op instrumentation costs < 5% of handle() throughput', instrumentation.ratio >= 0.95],
    ...rows
      .filter((r) => r.store !== 'memory')
      .flatMap((r) => [
        [`${r.store}: claim ≤ 2 round trips`, Number.parseFloat(r.claimTrips) <= 2],
        [`${r.store}: complete ≤ 2 round trips`, Number.parseFloat(r.completeTrips) <= 2],
        [`${r.store}: ack p99 < 25 ms`, Number.parseFloat(r.p99) < 25],
      ]),
    ['memoryStore: 1 M ids ≤ 150 MB RSS', rss.rssMb <= 150],
  ] as const;
  console.log('');
  for (const [label, met] of targets) console.log(`${met ? 'met    ' : 'NOT MET'}  ${label}`);
}
