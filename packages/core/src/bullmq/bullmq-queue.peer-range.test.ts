/**
 * Both ends of the bullmq peer range (`^5 || ^6`): the queue, its in-process worker and a
 * receiver, end to end on the real Redis, with BullMQ 5 swapped in for the bullmq import of
 * the queue's source. (The crash test in bullmq-queue.test.ts runs the newest major.)
 */
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { REDIS_URL, redisAvailable, uniqueName } from '../../test/services.js';
import { batch, bearer, SECRET } from '../../test/webhook-fixtures.js';

const majors = [
  ['bullmq 5', () => import('bullmq5')],
  ['bullmq 6', () => import('bullmq')],
] as const;

const redisUrl = new URL(REDIS_URL);
const connection = { host: redisUrl.hostname, port: Number(redisUrl.port || 6379) };

if (await redisAvailable()) {
  describe.each(majors)('bullmqQueue on %s', (_name, load) => {
    const cleanups: (() => Promise<void>)[] = [];
    afterEach(async () => {
      for (const cleanup of cleanups.splice(0)) await cleanup();
      vi.doUnmock('bullmq');
      vi.resetModules();
    });

    it('queues a batch, acks it, and its worker runs each webhook once, in order', async () => {
      vi.resetModules();
      vi.doMock('bullmq', load);
      // The major under test is what the queue's own `import 'bullmq'` now gets.
      expect((await import('bullmq')).Queue).toBe((await load()).Queue);
      const { bullmqQueue } = await import('./bullmq-queue.js');
      const { createPassfortWebhooks } = await import('../create-passfort-webhooks.js');
      const { redisStore } = await import('../redis/redis-dedupe-store.js');
      const name = uniqueName('pfw-peer');
      const prefix = uniqueName('pfw-peer-store');
      const client = new Redis(REDIS_URL);
      const queue = bullmqQueue({ connection, name });
      const seen: string[] = [];
      let resolveAll!: () => void;
      const all = new Promise<void>((resolve) => {
        resolveAll = resolve;
      });
      const webhooks = createPassfortWebhooks({
        secret: SECRET,
        delivery: 'queue',
        queue,
        logger: false,
        store: redisStore({ client, prefix }),
      });
      webhooks.onAny((event) => {
        seen.push(event.id);
        if (seen.length === 12) resolveAll();
      });
      cleanups.push(async () => {
        await webhooks.close();
        await queue.close();
        const keys = [
          ...(await client.keys(`{${prefix}}*`)),
          ...(await client.keys(`bull:${name}*`)),
        ];
        if (keys.length > 0) await client.del(...keys);
        client.disconnect();
      });
      const first = await webhooks.handle({
        method: 'POST',
        headers: bearer(),
        body: JSON.stringify(batch(10)),
      });
      expect(first.status).toBe(200);
      expect(first.counts).toMatchObject({ received: 10, queued: 10 });
      // Passfort's redelivery with newer webhooks appended: only those are queued.
      const second = await webhooks.handle({
        method: 'POST',
        headers: bearer(),
        body: JSON.stringify(batch(12)),
      });
      expect(second.counts).toMatchObject({ received: 12, queued: 2, duplicates: 10 });
      await all;
      await new Promise((resolve) => setTimeout(resolve, 200)); // a double would show up here
      expect(seen).toEqual(batch(12).map((envelope) => envelope.id));
    }, 30_000);
  });
}
