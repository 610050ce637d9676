import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { REDIS_URL, redisAvailable, uniqueName } from '../../test/services.js';
import { batch, bearer, SECRET } from '../../test/webhook-fixtures.js';
import { createPassfortWebhooks } from '../create-passfort-webhooks.js';
import { redisStore } from '../redis/redis-dedupe-store.js';
import { bullmqQueue } from './bullmq-queue.js';

const workerScript = fileURLToPath(
  new URL('../../test/fixtures/bullmq-worker.mjs', import.meta.url),
);
const redisUrl = new URL(REDIS_URL);
const connection = { host: redisUrl.hostname, port: Number(redisUrl.port || 6379) };

function startWorker(
  name: string,
  prefix: string,
  hangOn = '',
  jitterMs = 0,
): Promise<{ child: ChildProcess; hanging: Promise<string> }> {
  const child = fork(workerScript, [REDIS_URL, name, prefix, hangOn, String(jitterMs)], {
    stdio: 'inherit',
  });
  let markHanging: (id: string) => void = () => {};
  const hanging = new Promise<string>((resolve) => (markHanging = resolve));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.on('message', (message: { ready?: boolean; hanging?: string }) => {
      if (message.ready) resolve({ child, hanging });
      if (message.hanging) markHanging(message.hanging);
    });
  });
}

async function waitFor<T>(
  read: () => Promise<T>,
  done: (value: T) => boolean,
  timeoutMs = 20_000,
): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > until) return value;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

if (await redisAvailable()) {
  describe('bullmqQueue with workers in other processes', () => {
    const children: ChildProcess[] = [];
    const cleanups: (() => Promise<void>)[] = [];
    afterEach(async () => {
      for (const child of children.splice(0)) child.kill('SIGKILL');
      for (const cleanup of cleanups.splice(0)) await cleanup();
    });

    /** A receiver that enqueues into a fresh BullMQ queue and consumes nothing itself. */
    function queueReceiver(tag: string) {
      const name = uniqueName(tag);
      const prefix = uniqueName(`${tag}-store`);
      const client = new Redis(REDIS_URL);
      const queue = bullmqQueue({ connection, name });
      const webhooks = createPassfortWebhooks({
        secret: SECRET,
        delivery: 'queue',
        queue,
        consume: false,
        logger: false,
        store: redisStore({ client, prefix }),
      });
      cleanups.push(async () => {
        await webhooks.close();
        await queue.close();
        const keys = [
          ...(await client.keys(`{${prefix}}*`)),
          ...(await client.keys(`${prefix}*`)),
          ...(await client.keys(`bull:${name}*`)),
        ];
        if (keys.length > 0) await client.del(...keys);
        client.disconnect();
      });
      return { name, prefix, client, webhooks };
    }

    it('acks after a durable enqueue, and neither loses nor doubles a webhook when a worker dies mid-run', async () => {
      const { name, prefix, client, webhooks } = queueReceiver('pfw-queue');

      const payload = batch(10);
      const hangOn = payload[3]!.id;
      const first = await startWorker(name, prefix, hangOn);
      children.push(first.child);

      const res = await webhooks.handle({
        method: 'POST',
        headers: bearer(),
        body: JSON.stringify(payload),
      });
      expect(res.status).toBe(200);
      expect(res.counts).toMatchObject({ received: 10, queued: 10, duplicates: 0 });

      expect(await first.hanging).toBe(hangOn);
      first.child.kill('SIGKILL');
      // A redelivery of the same batch while the job is stranded must not enqueue doubles.
      const again = await webhooks.handle({
        method: 'POST',
        headers: bearer(),
        body: JSON.stringify(payload),
      });
      expect(again.status).toBe(200);

      const second = await startWorker(name, prefix);
      children.push(second.child);
      const effects = await waitFor(
        () => client.lrange(`${prefix}:effects`, 0, -1),
        (list) => list.length >= 10,
      );
      await new Promise((resolve) => setTimeout(resolve, 300)); // a double would show up here
      expect(await client.lrange(`${prefix}:effects`, 0, -1)).toEqual(payload.map((e) => e.id));
      expect(effects).toHaveLength(10);
      expect(await webhooks.status()).toMatchObject({ queue: 'empty' });
    }, 30_000);

    it('keeps Passfort’s order with four workers while workers are SIGKILLed at random', async () => {
      const { name, prefix, client, webhooks } = queueReceiver('pfw-order');
      const pool: ChildProcess[] = [];
      const spawnWorker = async () => {
        const { child } = await startWorker(name, prefix, '', 30);
        children.push(child);
        pool.push(child);
      };
      for (let i = 0; i < 4; i++) await spawnWorker();
      const payload = batch(60);
      for (let from = 0; from < payload.length; from += 20) {
        const res = await webhooks.handle({
          method: 'POST',
          headers: bearer(),
          body: JSON.stringify(payload.slice(from, from + 20)),
        });
        expect(res.status).toBe(200);
      }
      let kills = 0;
      const effects = () => client.lrange(`${prefix}:effects`, 0, -1);
      for (let round = 0; round < 6 && new Set(await effects()).size < payload.length; round++) {
        await new Promise((resolve) => setTimeout(resolve, 150 + Math.random() * 250));
        const victim = pool.splice(Math.floor(Math.random() * pool.length), 1)[0]!;
        victim.kill('SIGKILL');
        kills++;
        await spawnWorker();
      }
      const seen = await waitFor(effects, (list) => new Set(list).size >= payload.length, 25_000);
      // Each webhook in Passfort's order; a webhook whose worker was killed after its effect
      // and before its completion runs again (at least once outside a transaction), right
      // where it was: never after a later one.
      const firsts = seen.filter((id, i) => seen.indexOf(id) === i);
      expect(firsts).toEqual(payload.map((e) => e.id));
      for (let i = 1; i < seen.length; i++) {
        expect(payload.findIndex((e) => e.id === seen[i])).toBeGreaterThanOrEqual(
          payload.findIndex((e) => e.id === seen[i - 1]) - 1,
        );
      }
      expect(seen.length - payload.length).toBeLessThanOrEqual(kills);
    }, 60_000);
  });
}

describe('bullmqQueue options', () => {
  it('refuses a missing connection at creation', () => {
    expect(() => bullmqQueue(undefined as never)).toThrow(
      /\[passfort-webhooks\] bullmqQueue needs/,
    );
    expect(() => bullmqQueue({ connection, lanes: 0 })).toThrow(/lanes/);
  });
});
