/**
 * Faults a production receiver meets, through the Express adapter set up as the READMEs show
 * (an ioredis client and a pg Pool with their defaults): a Redis killed, a Redis frozen, a
 * Postgres crashed and restarted. Passfort gives up on an answer after 5 s (batched): every
 * answer must arrive before that, and once the store is back every webhook is handled once,
 * in order. The servers are the test's own; the shared ones are never touched.
 */

import { postgresStore } from '@passfort-webhooks/core/postgres';
import { redisStore } from '@passfort-webhooks/core/redis';
import type { DedupeStore } from '@passfort-webhooks/core/store';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { faultReceiverOn, unanswered } from '../test/fault-receiver.js';
import { throwawayPostgres, throwawayPostgresAvailable } from '../test/throwaway-postgres.js';
import { redisServerAvailable, throwawayRedis } from '../test/throwaway-redis.js';
import { sleep, until } from '../test/wait-until.js';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => {});
});

const receiverOn = (store: DedupeStore) => faultReceiverOn(store, cleanups);

if (await redisServerAvailable()) {
  describe('a Redis store whose server dies or hangs, with ioredis defaults', () => {
    async function setUp() {
      const redis = await throwawayRedis({ durable: false });
      cleanups.push(() => redis.dispose());
      // As the README shows it: no options. ioredis then queues commands while disconnected
      // and retries them, and a frozen server never answers: only the deadline bounds it.
      const client = new Redis(redis.url);
      client.on('error', () => {});
      cleanups.push(async () => client.disconnect());
      return { redis, ...(await receiverOn(redisStore({ client, prefix: 'faults' }))) };
    }

    it('answers 503 before Passfort’s deadline while Redis is frozen, then handles every webhook once, in order', async () => {
      const { redis, emulator, handled, reports } = await setUp();
      redis.freeze();
      const ids = Array.from({ length: 20 }, () => emulator.emit('CHECK_COMPLETED').id);
      await until(() => reports.length >= 2, 20_000);
      expect(reports.slice(0, 2).map((report) => report.status)).toEqual([503, 503]);
      expect(handled).toEqual([]);
      redis.thaw();
      emulator.retryNow();
      await emulator.drain({ timeoutMs: 30_000 });
      expect(unanswered(reports)).toEqual([]);
      expect(handled).toEqual(ids);
    }, 60_000);

    it('answers 503 before Passfort’s deadline while Redis is down, then handles every webhook once, in order', async () => {
      const { redis, emulator, handled, reports } = await setUp();
      await redis.kill();
      const ids = Array.from({ length: 20 }, () => emulator.emit('CHECK_COMPLETED').id);
      await until(() => reports.length >= 2, 20_000);
      expect(reports.slice(0, 2).map((report) => report.status)).toEqual([503, 503]);
      await redis.start();
      emulator.retryNow();
      await emulator.drain({ timeoutMs: 30_000 });
      expect(unanswered(reports)).toEqual([]);
      expect(handled).toEqual(ids);
    }, 60_000);
  });
}

if (throwawayPostgresAvailable()) {
  describe('a Postgres store whose server crashes and restarts, with a pg Pool as the README sets it up', () => {
    it('survives the restart (no crash of the process), answers 503 before the deadline while it is down, then handles every webhook once, in order', async () => {
      const database = await throwawayPostgres();
      cleanups.push(() => database.dispose());
      // No pool.on('error') here: the store must keep an idle connection's failure from
      // ending the process.
      const pool = new pg.Pool({ connectionString: database.url, max: 4 });
      cleanups.push(() => pool.end());
      const store = postgresStore({ pool, logger: false });
      await store.migrate();
      const { emulator, handled, reports } = await receiverOn(store);
      const before = Array.from({ length: 10 }, () => emulator.emit('CHECK_COMPLETED').id);
      await emulator.drain({ timeoutMs: 20_000 });
      expect(handled).toEqual(before);

      await database.crash(); // idle pooled connections now fail: pg emits 'error' on the pool
      await sleep(200);
      const after = Array.from({ length: 10 }, () => emulator.emit('CHECK_COMPLETED').id);
      await until(() => reports.some((report) => report.status === 503), 20_000);
      expect(handled).toEqual(before);

      await database.start();
      emulator.retryNow();
      await emulator.drain({ timeoutMs: 30_000 });
      expect(unanswered(reports)).toEqual([]);
      expect(handled).toEqual([...before, ...after]);
    }, 90_000);
  });
}
