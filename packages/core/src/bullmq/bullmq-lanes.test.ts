/**
 * Several BullMQ worker processes on one lane, against a Redis of the test's own: only one
 * worker attempts a lane's head, its attempts keep the engine's backoff whatever the number of
 * workers, and nothing behind it runs before it is handled (issue 32). The dependency outage
 * lasts PFW_LANE_OUTAGE_MS (6 s by default; the long form is the 40 s outage of the issue:
 * `PFW_LANE_OUTAGE_MS=40000 npx vitest run packages/core/src/bullmq/bullmq-lanes.test.ts`).
 */
import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { LaneRun, LaneWorkerOptions } from '../../test/fixtures/lane-worker.js';
import { type OwnRedis, startOwnRedis } from '../../test/fixtures/own-redis.js';
import { bearer, productStatusChanged, SECRET, webhookId } from '../../test/webhook-fixtures.js';
import { createPassfortWebhooks } from '../create-passfort-webhooks.js';
import { createWorker } from '../create-worker.js';
import { redisStore } from '../redis/redis-dedupe-store.js';
import { bullmqQueue } from './bullmq-queue.js';

const workerScript = fileURLToPath(new URL('../../test/fixtures/lane-worker.ts', import.meta.url));
const coreDir = fileURLToPath(new URL('../..', import.meta.url));
const outageMs = Number(process.env['PFW_LANE_OUTAGE_MS'] ?? 6000);
// The engine's default first retry delay for the 40 s form, as in the issue; shorter for 6 s.
const retryDelayMs = Number(
  process.env['PFW_LANE_RETRY_DELAY_MS'] ?? (outageMs > 10_000 ? 1000 : 250),
);

const redis: OwnRedis | undefined = await startOwnRedis();

interface Worker {
  child: ChildProcess;
  hanging: Promise<string>;
}

function startWorker(options: LaneWorkerOptions): Promise<Worker> {
  const child = fork(workerScript, [JSON.stringify(options)], {
    cwd: coreDir,
    execArgv: ['--import', 'tsx'],
    stdio: 'inherit',
  });
  let markHanging: (id: string) => void = () => {};
  const hanging = new Promise<string>((resolve) => (markHanging = resolve));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`worker exited with ${code} before ready`)));
    child.on('message', (message: { ready?: boolean; hanging?: string }) => {
      if (message.ready) resolve({ child, hanging });
      if (message.hanging) markHanging(message.hanging);
    });
  });
}

/** A webhook of `profile`, numbered for its id. */
function webhookOf(n: number, profile: string) {
  const webhook = productStatusChanged(webhookId(n));
  return { ...webhook, data: { ...webhook.data, profile_id: profile } };
}

async function waitFor(check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check()) && Date.now() < until) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

if (redis !== undefined) {
  describe('bullmqQueue with three worker processes on one lane', () => {
    const children: ChildProcess[] = [];
    const cleanups: (() => Promise<void>)[] = [];
    let client: Redis;
    let run = 0;
    beforeAll(() => {
      client = new Redis(redis.url);
    });
    afterEach(async () => {
      for (const child of children.splice(0)) child.kill('SIGKILL');
      for (const cleanup of cleanups.splice(0)) await cleanup();
    });
    afterAll(async () => {
      client.disconnect();
      await redis.stop();
    });

    /** A receiver that only enqueues (`consume: false`), and the worker options to match. */
    function setUp(lanes: number) {
      run++;
      const name = `lanes-${run}`;
      const prefix = `lanes-store-${run}`;
      const url = new URL(redis!.url);
      const queue = bullmqQueue({
        connection: { host: url.hostname, port: Number(url.port) },
        name,
        lanes,
      });
      const receiverClient = new Redis(redis!.url);
      const webhooks = createPassfortWebhooks({
        secret: SECRET,
        delivery: 'queue',
        queue,
        consume: false,
        logger: false,
        store: redisStore({ client: receiverClient, prefix }),
      });
      cleanups.push(async () => {
        await webhooks.close();
        receiverClient.disconnect();
      });
      const workerOptions: LaneWorkerOptions = {
        redisUrl: redis!.url,
        name,
        prefix,
        lanes,
        retryDelayMs,
        maxAttempts: 8,
      };
      const runs = async () =>
        (await client.lrange(`${prefix}:runs`, 0, -1)).map((line) => JSON.parse(line) as LaneRun);
      return { webhooks, workerOptions, prefix, runs };
    }

    it(
      `keeps each profile's order and the backoff through a ${outageMs / 1000} s outage`,
      async () => {
        const { webhooks, workerOptions, prefix, runs } = setUp(2);
        await client.set(`${prefix}:down`, '1');
        const workers = await Promise.all([1, 2, 3].map(() => startWorker(workerOptions)));
        children.push(...workers.map((worker) => worker.child));
        // Three profiles, five webhooks each, interleaved as Passfort would send them.
        const sent = Array.from({ length: 15 }, (_, n) => webhookOf(n, `profile-${n % 3}`));
        const answer = await webhooks.handle({
          method: 'POST',
          headers: bearer(),
          body: JSON.stringify(sent),
        });
        expect(answer.status).toBe(200);
        await new Promise((resolve) => setTimeout(resolve, outageMs));
        await client.del(`${prefix}:down`);
        // Done when every webhook ran successfully or was dead-lettered.
        const settled = async () => {
          const ok = new Set((await runs()).filter((r) => r.ok).map((r) => r.id));
          const letters = new Set((await webhooks.deadLetters.list()).map((l) => l.id));
          return sent.every((w) => ok.has(w.id) || letters.has(w.id));
        };
        await waitFor(settled, retryDelayMs * 2 ** 8 + 20_000);
        await new Promise((resolve) => setTimeout(resolve, 500)); // a late double would show here
        const all = await runs();
        const deadLettered = (await webhooks.deadLetters.list()).map((l) => l.id);

        // What the issue measured: the head's attempt times, and webhooks that ran before
        // an earlier webhook of their profile had succeeded.
        const byId = new Map(sent.map((w) => [w.id, all.filter((r) => r.id === w.id)]));
        const firstOk = (id: string) => byId.get(id)!.find((r) => r.ok);
        const violations: string[] = [];
        for (const [n, webhook] of sent.entries()) {
          const earlier = sent
            .slice(0, n)
            .filter((w) => w.data.profile_id === webhook.data.profile_id);
          for (const before of earlier) {
            const done = firstOk(before.id)?.at ?? Number.POSITIVE_INFINITY;
            if (byId.get(webhook.id)!.some((r) => r.at < done))
              violations.push(`${webhook.id} ran before ${before.id}`);
          }
        }
        const heads = sent.slice(0, 3).map((w) => {
          const attempts = byId.get(w.id)!;
          return {
            id: w.id,
            attempts: attempts.map(
              (r) => `${r.attempt}${r.ok ? ' ok' : ''} @${r.at - attempts[0]!.at}ms`,
            ),
          };
        });
        console.info(
          `[lanes] ${outageMs} ms outage, retryDelayMs ${retryDelayMs}: ${all.length} runs, ${deadLettered.length} dead-lettered, ${violations.length} order violations; heads: ${JSON.stringify(heads)}`,
        );

        expect(deadLettered).toEqual([]);
        expect(violations).toEqual([]);
        for (const webhook of sent) {
          const attempts = byId.get(webhook.id)!;
          // Exactly one successful run, after failed attempts numbered 1, 2, 3… each run once:
          // no two workers attempted the same webhook.
          expect(attempts.filter((r) => r.ok)).toHaveLength(1);
          expect(attempts.map((r) => r.attempt)).toEqual(attempts.map((_, i) => i + 1));
          for (let i = 1; i < attempts.length; i++) {
            const spacing = attempts[i]!.at - attempts[i - 1]!.at;
            expect(spacing).toBeGreaterThanOrEqual(retryDelayMs * 2 ** (i - 1));
          }
        }
        // The outage was real: the first webhook failed several times before it succeeded.
        expect(byId.get(sent[0]!.id)!.length).toBeGreaterThanOrEqual(4);
      },
      outageMs * 3 + retryDelayMs * 2 ** 8 + 60_000,
    );

    it('charges a crash only to the webhook that was running: those behind it run on attempt 1', async () => {
      const { webhooks, workerOptions, runs } = setUp(1);
      const sent = Array.from({ length: 4 }, (_, n) => webhookOf(100 + n, 'profile-k'));
      const options = { ...workerOptions, hangOn: sent[0]!.id, hangTimes: 2 };
      const pool = await Promise.all([1, 2, 3].map(() => startWorker(options)));
      children.push(...pool.map((worker) => worker.child));
      const answer = await webhooks.handle({
        method: 'POST',
        headers: bearer(),
        body: JSON.stringify(sent),
      });
      expect(answer.status).toBe(200);
      for (let kill = 0; kill < 2; kill++) {
        // Whichever worker runs the head hangs in it: kill it, and start another.
        const hung = await Promise.race(pool.map((worker, i) => worker.hanging.then(() => i)));
        pool.splice(hung, 1)[0]!.child.kill('SIGKILL');
        const next = await startWorker(options);
        children.push(next.child);
        pool.push(next);
      }
      await waitFor(async () => (await runs()).filter((r) => r.ok).length >= sent.length, 30_000);
      await new Promise((resolve) => setTimeout(resolve, 500));
      const all = await runs();
      expect(all.map((r) => [r.id, r.attempt, r.ok])).toEqual([
        [sent[0]!.id, 3, true],
        [sent[1]!.id, 1, true],
        [sent[2]!.id, 1, true],
        [sent[3]!.id, 1, true],
      ]);
      expect(await webhooks.deadLetters.list()).toEqual([]);
    }, 60_000);

    it('a worker closed during the head’s backoff resolves at once and hands its work to the next worker', async () => {
      const { webhooks, workerOptions, prefix, runs } = setUp(1);
      const url = new URL(redis.url);
      const workerClient = new Redis(redis.url);
      cleanups.push(async () => workerClient.disconnect());
      /** A worker in this process whose handler behaves as the forked ones do. */
      const inProcessWorker = (delayMs: number) => {
        const worker = createWorker({
          queue: bullmqQueue({
            connection: { host: url.hostname, port: Number(url.port) },
            name: workerOptions.name,
            lockDurationMs: 1000,
            stalledIntervalMs: 300,
          }),
          store: redisStore({ client: workerClient, prefix }),
          leaseMs: 1500,
          retryDelayMs: delayMs,
          logger: false,
        });
        worker.onAny(async (event, ctx) => {
          const ok = (await workerClient.exists(`${prefix}:down`)) === 0;
          const run = {
            id: event.id,
            profile: '',
            attempt: ctx.attempt,
            at: Date.now(),
            ok,
            pid: 0,
          };
          await workerClient.rpush(`${prefix}:runs`, JSON.stringify(run));
          if (!ok) throw new Error('the dependency is down');
        });
        return worker;
      };
      await workerClient.set(`${prefix}:down`, '1');
      // An hour's backoff after the first failure: close() must not wait it out.
      const first = inProcessWorker(3_600_000);
      await first.start();
      const sent = [webhookOf(200, 'profile-c'), webhookOf(201, 'profile-c')];
      const answer = await webhooks.handle({
        method: 'POST',
        headers: bearer(),
        body: JSON.stringify(sent),
      });
      expect(answer.status).toBe(200);
      await waitFor(async () => (await runs()).length >= 1, 10_000);
      await first.close();
      await workerClient.del(`${prefix}:down`);
      const second = inProcessWorker(100);
      cleanups.push(() => second.close());
      await second.start();
      await waitFor(async () => (await runs()).filter((r) => r.ok).length >= 2, 15_000);
      expect((await runs()).map((r) => [r.id, r.attempt, r.ok])).toEqual([
        [sent[0]!.id, 1, false],
        [sent[0]!.id, 2, true],
        [sent[1]!.id, 1, true],
      ]);
    }, 30_000);
  });
} else {
  // startOwnRedis() said why on the console; under CI=true it throws instead of returning.
  it('bullmqQueue with three worker processes on one lane', (ctx) => {
    ctx.skip(
      'redis-server cannot be started on this machine, so there is no Redis of its own to kill',
    );
  });
}
