/**
 * Faults of a real Redis, killed and restarted under the receiver while the local Passfort
 * keeps delivering. The server is the test's own (test/throwaway-redis.ts), with an
 * append-only file fsynced on every write: the durability the README asks for.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  createPassfortWebhooks,
  type PassfortWebhooks,
  type PassfortWebhooksOptions,
} from '@passfort-webhooks/core';
import { bullmqQueue } from '@passfort-webhooks/core/bullmq';
import { fromIncomingMessage, writeServerResponse } from '@passfort-webhooks/core/node';
import { redisStore } from '@passfort-webhooks/core/redis';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import {
  redisServerAvailable,
  type ThrowawayRedis,
  throwawayRedis,
} from '../test/throwaway-redis.js';
import { sleep, until } from '../test/wait-until.js';
import { createEmulator, type Emulator } from './emulator.js';

const SECRET = 'fault-secret';

/** Serves a receiver over real HTTP through the Node bridge; returns its URL. */
async function serve(
  webhooks: PassfortWebhooks,
  cleanups: (() => Promise<unknown>)[],
): Promise<string> {
  const server: Server = createServer(async (req, res) =>
    writeServerResponse(res, await webhooks.handle(fromIncomingMessage(req))),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(
    () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(resolve);
      }),
  );
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
}

if (await redisServerAvailable()) {
  describe('a real Redis failing under the receiver', () => {
    const cleanups: (() => Promise<unknown>)[] = [];
    afterEach(async () => {
      for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => {});
    });

    async function setUp(options: Partial<PassfortWebhooksOptions> = {}) {
      const redis = await throwawayRedis();
      cleanups.push(() => redis.dispose());
      // Fail fast while the server is down instead of queueing commands in memory.
      const client = new Redis(redis.url, {
        enableOfflineQueue: false,
        maxRetriesPerRequest: 0,
        retryStrategy: () => 50,
      });
      client.on('error', () => {});
      cleanups.push(async () => client.disconnect());
      const webhooks = createPassfortWebhooks({
        secret: SECRET,
        store: redisStore({ client }),
        ...options,
      });
      const url = await serve(webhooks, cleanups);
      cleanups.push(() => webhooks.close());
      const emulator: Emulator = createEmulator({
        target: url,
        secret: SECRET,
        batching: true,
        timeScale: 0.001,
        batchIntervalMs: 0,
        deadlineMs: { batched: 3000 },
      });
      cleanups.push(() => emulator.close());
      return { redis, webhooks, emulator };
    }

    /** Every handler run, and the runs per webhook id. */
    function recorder(
      webhooks: PassfortWebhooks,
      during?: (id: string, attempt: number) => Promise<unknown>,
    ) {
      const runs: { id: string; attempt: number }[] = [];
      const effects = new Map<string, number>();
      webhooks.onAny(async (event, ctx) => {
        await during?.(event.id, ctx.attempt);
        runs.push({ id: event.id, attempt: ctx.attempt });
        effects.set(event.id, (effects.get(event.id) ?? 0) + 1);
      });
      return { runs, effects };
    }

    it('answers 503 and runs nothing while the store is unreachable, then handles every webhook once after it returns', async () => {
      const { redis, webhooks, emulator } = await setUp();
      const { runs } = recorder(webhooks);
      await redis.kill();
      const ids = Array.from({ length: 30 }, () => emulator.emit('CHECK_COMPLETED').id);
      await until(() => emulator.stats.failedRequests >= 2);
      expect(runs).toEqual([]);
      expect(emulator.status().recentFailures[0]?.status).toBe(503);
      await redis.start();
      emulator.retryNow();
      await emulator.drain({ timeoutMs: 30_000 });
      expect(runs.map((run) => run.id)).toEqual(ids);
    }, 60_000);

    it('answers non-200 when the store dies between claim and complete; after recovery and lease expiry nothing is lost, and re-runs are flagged', async () => {
      let killed = false;
      let redisRef: ThrowawayRedis | undefined;
      const { redis, webhooks, emulator } = await setUp({ leaseMs: 500 });
      redisRef = redis;
      const ids: string[] = [];
      const { runs, effects } = recorder(webhooks, async (id) => {
        if (!killed && id === ids[10]) {
          killed = true;
          await redisRef!.kill(); // the store dies while this webhook's handler runs
        }
      });
      for (let i = 0; i < 25; i++) ids.push(emulator.emit('CHECK_COMPLETED').id);
      await until(() => killed && emulator.stats.failedRequests >= 1);
      expect(emulator.status().recentFailures[0]?.status).toBe(503);
      await redis.start();
      await sleep(600); // the leases of the webhooks in flight expire
      emulator.retryNow();
      await emulator.drain({ timeoutMs: 30_000 });
      // No loss: every webhook ran, in Passfort's order of first run.
      expect([...effects.keys()]).toEqual(ids);
      // Handlers whose completion was not yet recorded when the store died (the one in
      // flight, and those the grouped write was still carrying) ran once more, each told so
      // by ctx.attempt 2; none ran a third time. A handler whose write is idempotent by
      // webhook id therefore takes effect once.
      const rerun = [...effects].filter(([, count]) => count > 1).map(([id]) => id);
      expect(rerun).toContain(ids[10]);
      expect([...effects.values()].every((count) => count <= 2)).toBe(true);
      for (const id of rerun) {
        expect(runs.filter((run) => run.id === id).map((run) => run.attempt)).toEqual([1, 2]);
      }
    }, 60_000);

    it("queue mode: BullMQ's Redis restarted mid-stream loses and doubles nothing", async () => {
      const redis = await throwawayRedis();
      cleanups.push(() => redis.dispose());
      const client = new Redis(redis.url, { maxRetriesPerRequest: null, retryStrategy: () => 50 });
      client.on('error', () => {});
      cleanups.push(async () => client.disconnect());
      const queue = bullmqQueue({
        connection: { host: '127.0.0.1', port: redis.port, retryStrategy: () => 50 },
        retryDelayMs: 50,
        lockDurationMs: 2000,
        stalledIntervalMs: 500,
      });
      const webhooks = createPassfortWebhooks({
        secret: SECRET,
        delivery: 'queue',
        queue,
        store: redisStore({ client }),
        leaseMs: 1000,
        retryDelayMs: 20,
      });
      cleanups.push(() => queue.close());
      cleanups.push(() => webhooks.close());
      const { effects, runs } = recorder(webhooks, () => sleep(2));
      const emulator = createEmulator({
        target: await serve(webhooks, cleanups),
        secret: SECRET,
        batching: true,
        timeScale: 0.001,
        batchIntervalMs: 5,
        deadlineMs: { batched: 3000 },
      });
      cleanups.push(() => emulator.close());
      const ids: string[] = [];
      for (let i = 0; i < 300; i++) {
        ids.push(emulator.emit('PRODUCT_STATUS_CHANGED').id);
        if (i === 150) {
          await until(() => effects.size > 50);
          await redis.kill();
          await sleep(300);
          await redis.start();
        }
      }
      await emulator.drain({ timeoutMs: 60_000 });
      await until(() => effects.size >= ids.length, 60_000);
      expect([...effects.keys()]).toEqual(ids);
      expect([...effects.values()].every((count) => count === 1)).toBe(true);
      expect(runs.filter((run) => run.attempt > 1).length).toBeLessThanOrEqual(1);
    }, 120_000);
  });
}
