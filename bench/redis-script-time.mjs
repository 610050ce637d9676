// How long Redis itself spends in the Redis store's scripts: a claim and a completion of a batch
// of 100 fresh webhooks (each naming a profile of its own, as most of a batch do), read from
// Redis's own `INFO commandstats` before and after each call. What found the completion's
// profile history trims (BENCHMARKS.md, issue 40): over HTTP one request at a time their cost
// hides in the round trip, and the Node profile does not see Redis at all.
//
//   node bench/redis-script-time.mjs [batches]      (REDIS_URL, default redis://127.0.0.1:6379)
//
// Other clients of the same Redis running EVALSHA meanwhile are counted too: run it alone. It
// removes every key it made.
import { redisStore } from '@passfort-webhooks/core/redis';
import { Redis } from 'ioredis';

const batches = Number(process.argv[2] ?? 300);
const warmUp = Math.min(30, Math.floor(batches / 10));
const client = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
const prefix = `script_time_${process.pid}`;
const store = redisStore({ client, prefix, logger: false });

/** EVALSHA's calls and microseconds so far, as Redis counts them. */
async function evalshaSoFar() {
  const line = (await client.info('commandstats'))
    .split('\n')
    .find((each) => each.startsWith('cmdstat_evalsha:'));
  const found = /calls=(\d+),usec=(\d+)/.exec(line ?? '');
  return found === null ? [0, 0] : [Number(found[1]), Number(found[2])];
}

const spent = { claim: [0, 0], complete: [0, 0] };
const add = (into, from, to) => {
  into[0] += to[0] - from[0];
  into[1] += to[1] - from[1];
};
let counter = 0;
try {
  for (let batch = 0; batch < batches; batch++) {
    const ids = Array.from({ length: 100 }, (_, i) => {
      const n = (counter++).toString(16).padStart(8, '0');
      return `${n}-0000-4000-8000-${String(i).padStart(12, '0')}`;
    });
    const before = await evalshaSoFar();
    await store.claim(ids, {
      leaseMs: 30_000,
      owner: 'bench',
      fingerprints: ids.map(() => 'CHECK_COMPLETED#0a0b0c0d'),
    });
    const claimed = await evalshaSoFar();
    await store.complete(ids, {
      owner: 'bench',
      profiles: ids.map((id) => ({ id, event: 'CHECK_COMPLETED', profileId: `profile-${id}` })),
    });
    const completed = await evalshaSoFar();
    if (batch < warmUp) continue;
    add(spent.claim, before, claimed);
    add(spent.complete, claimed, completed);
  }
  console.log(
    `Redis's own time per store call, batches of 100, totals over ${batches - warmUp} batches`,
  );
  for (const [call, [calls, micros]] of Object.entries(spent)) {
    console.log(`  ${call.padEnd(9)} ${(micros / calls).toFixed(0)} µs per call (${calls} calls)`);
  }
} finally {
  let cursor = '0';
  do {
    const [next, keys] = await client.scan(cursor, 'MATCH', `*${prefix}*`, 'COUNT', 5000);
    if (keys.length > 0) await client.unlink(...keys);
    cursor = next;
  } while (cursor !== '0');
  client.disconnect();
}
