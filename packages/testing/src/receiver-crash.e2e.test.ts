/**
 * A receiver process killed mid-batch, with the library's default lease: its claims must end
 * within seconds, not stall Passfort's queue for a minute, and the redelivery must then run
 * every webhook once, in order. The store is the shared Redis, under a prefix of its own.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createPassfortWebhooks } from '@passfort-webhooks/core';
import { redisStore } from '@passfort-webhooks/core/redis';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { sleep } from '../test/wait-until.js';
import { KIT_SECRET, kitBatch, kitHeaders } from './conformance/kit-webhooks.js';

const REDIS_URL = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';
const fixture = fileURLToPath(new URL('../test/fixtures/crash-receiver.mjs', import.meta.url));

async function redisReachable(): Promise<boolean> {
  const client = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 0 });
  try {
    await client.connect();
    return true;
  } catch (error) {
    if (process.env['CI'] === 'true') throw error;
    console.warn(`skipping the receiver crash test: Redis is not reachable at ${REDIS_URL}`);
    return false;
  } finally {
    client.disconnect();
  }
}

const children: ChildProcess[] = [];
const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => {});
});

if (await redisReachable()) {
  describe('a receiver killed mid-batch, with the default lease', () => {
    it('lets the redelivery through after the lease (9 s, renewed while alive), and runs every webhook once, in order', async () => {
      const prefix = `pfw-crash-${process.pid}-${Date.now()}`;
      const client = new Redis(REDIS_URL);
      cleanups.push(async () => {
        const keys = await client.keys(`*${prefix}*`);
        if (keys.length > 0) await client.del(...keys);
        client.disconnect();
      });
      const payload = kitBatch(10);
      const child = fork(fixture, [REDIS_URL, prefix, KIT_SECRET, payload[3]!.id], {
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      });
      children.push(child);
      const messages: { port?: number; hanging?: string }[] = [];
      child.on('message', (message) => void messages.push(message as never));
      while (messages.length === 0) await sleep(10);
      const url = `http://127.0.0.1:${messages[0]!.port}/webhooks/passfort`;
      // Passfort's request; the receiver dies before answering it.
      fetch(url, { method: 'POST', headers: kitHeaders(), body: JSON.stringify(payload) }).catch(
        () => {},
      );
      while (!messages.some((message) => message.hanging)) await sleep(10);
      child.kill('SIGKILL');

      // Passfort's next attempt, from another replica on the same store, once the dead
      // process's claims have ended: 9 s with the default lease (it was 60 s).
      const survivor = createPassfortWebhooks({
        secret: KIT_SECRET,
        store: redisStore({ client, prefix }),
        logger: false,
      });
      cleanups.push(() => survivor.close());
      survivor.onAny(async (event) => {
        await client.rpush(`${prefix}:effects`, event.id);
      });
      const redeliver = () =>
        survivor.handle({ method: 'POST', headers: kitHeaders(), body: JSON.stringify(payload) });
      expect((await redeliver()).status).toBe(503); // the dead process still holds the claims
      await sleep(10_000);
      const answer = await redeliver();
      expect(answer.status).toBe(200);
      expect(answer.counts).toMatchObject({ received: 10, processed: 7, duplicates: 3 });
      expect(await client.lrange(`${prefix}:effects`, 0, -1)).toEqual(payload.map((e) => e.id));
    }, 40_000);
  });
}
