/**
 * pnpm faults — the long forms of the fault tests. Under steady local-Passfort traffic into the
 * Express receiver set up as the READMEs show (ioredis and pg defaults), FAULT_ROUNDS (default
 * 10) faults of each kind at random moments, each lasting 1–6 s:
 *
 *   redis      a throwaway Redis, alternately frozen (SIGSTOP) and killed, then brought back
 *   postgres   a throwaway Postgres cluster, stopped with -m immediate, then started
 *   crash      the receiver process SIGKILLed, with the library's default lease (9 s)
 *
 * Prints, per kind, the slowest answer Passfort's sender saw and how many got none within its
 * 5 s deadline, and for crashes the slowest time from a kill to the next 200. Exits 1 if a
 * request went unanswered, or a webhook was lost, doubled or reordered.
 */
import { postgresStore } from '@passfort-webhooks/core/postgres';
import { redisStore } from '@passfort-webhooks/core/redis';
import { Redis } from 'ioredis';
import pg from 'pg';
import { databaseReachable, runChaos } from '../test/chaos.js';
import { faultReceiverOn, unanswered } from '../test/fault-receiver.js';
import { throwawayPostgres, throwawayPostgresAvailable } from '../test/throwaway-postgres.js';
import { redisServerAvailable, throwawayRedis } from '../test/throwaway-redis.js';
import { sleep } from '../test/wait-until.js';

const rounds = Number(process.env['FAULT_ROUNDS'] ?? 10);
const kinds = (process.env['FAULT_KINDS'] ?? 'redis,postgres,crash').split(',');
const between = (min: number, max: number) => min + Math.random() * (max - min);
let failed = false;

function report(kind: string, line: string, ok: boolean): void {
  console.log(`${kind.padEnd(9)} ${line}${ok ? '' : '  ← FAILED'}`);
  if (!ok) failed = true;
}

/** Traffic during `inject`'s rounds, then a drain; checks every webhook once, in order. */
async function underTraffic(
  kind: string,
  store: Parameters<typeof faultReceiverOn>[0],
  inject: (round: number) => Promise<void>,
): Promise<void> {
  const cleanups: (() => Promise<unknown>)[] = [];
  try {
    const { emulator, handled, reports } = await faultReceiverOn(store, cleanups);
    const ids: string[] = [];
    let emitting = true;
    const traffic = (async () => {
      while (emitting) {
        for (let i = 0; i < 5; i++) ids.push(emulator.emit('CHECK_COMPLETED').id);
        await sleep(200);
      }
    })();
    for (let round = 0; round < rounds; round++) {
      await sleep(between(500, 2_000));
      await inject(round);
    }
    emitting = false;
    await traffic;
    emulator.retryNow();
    await emulator.drain({ timeoutMs: 60_000 });
    const slowest = Math.max(...reports.map((r) => r.latencyMs));
    const lateOrNone = unanswered(reports).length;
    const inOrderOnce = handled.length === ids.length && handled.every((id, i) => id === ids[i]);
    report(
      kind,
      `${rounds} faults, ${ids.length} webhooks, ${reports.length} requests: slowest answer ${Math.round(slowest)} ms, unanswered within 5 s: ${lateOrNone}, every webhook once in order: ${inOrderOnce}`,
      lateOrNone === 0 && inOrderOnce,
    );
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
  }
}

if (kinds.includes('redis') && (await redisServerAvailable())) {
  const redis = await throwawayRedis({ durable: false });
  const client = new Redis(redis.url);
  client.on('error', () => {});
  try {
    await underTraffic(
      'redis',
      redisStore({ client, prefix: 'faults', logger: false }),
      async (round) => {
        if (round % 2 === 0) {
          redis.freeze();
          await sleep(between(1_000, 6_000));
          redis.thaw();
        } else {
          await redis.kill();
          await sleep(between(1_000, 6_000));
          await redis.start();
        }
      },
    );
  } finally {
    client.disconnect();
    await redis.dispose();
  }
}

if (kinds.includes('postgres') && throwawayPostgresAvailable()) {
  const database = await throwawayPostgres();
  const pool = new pg.Pool({ connectionString: database.url, max: 4 });
  try {
    const store = postgresStore({ pool, logger: false });
    await store.migrate();
    await underTraffic('postgres', store, async () => {
      await database.crash();
      await sleep(between(1_000, 6_000));
      await database.start();
    });
  } finally {
    await pool.end().catch(() => {});
    await database.dispose();
  }
}

if (kinds.includes('crash') && (await databaseReachable('postgres'))) {
  // The chaos harness with the library's default lease: each kill leaves claims that end
  // 9 s later at most, since live leases are renewed and dead ones are not.
  const result = await runChaos({
    database: 'postgres',
    mode: 'transaction',
    kills: rounds,
    leaseMs: 0,
    killAfterMs: [500, 2_000],
  });
  report(
    'crash',
    `${result.kills} kills, ${result.webhooks} webhooks: slowest kill→200 ${result.slowestRecoveryMs} ms, lost ${result.lost}, doubled ${result.doubled}, out of order ${result.outOfOrder}`,
    result.lost === 0 && result.doubled === 0 && result.outOfOrder === 0,
  );
}

if (failed) process.exit(1);
