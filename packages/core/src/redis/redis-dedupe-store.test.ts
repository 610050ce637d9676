import { Redis } from 'ioredis';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { dedupeStoreConformanceCases } from '../../../testing/src/conformance/index.js';
import { ioredisMajors, REDIS_URL, redisAvailable, uniqueName } from '../../test/services.js';
import { redisStore } from './redis-dedupe-store.js';

if (await redisAvailable()) {
  for (const { name, Redis } of ioredisMajors) {
    const cases = dedupeStoreConformanceCases(async ({ retentionMs }) => {
      const prefix = uniqueName('pfw-test');
      const clients = [new Redis(REDIS_URL)];
      return {
        store: redisStore({ client: clients[0]!, prefix, retentionMs }),
        async another() {
          const client = new Redis(REDIS_URL);
          clients.push(client);
          return redisStore({ client, prefix, retentionMs });
        },
        async cleanup() {
          const keys = await clients[0]!.keys(`{${prefix}}:*`);
          if (keys.length > 0) await clients[0]!.del(...keys);
          for (const client of clients) client.disconnect();
        },
      };
    });
    describe(`redisStore on ${name} (the public DedupeStore kit)`, () => {
      for (const check of cases) it(check.name, check.run);
    });
  }
  describe('redisStore keys for order-safe replay and dead letters', () => {
    const opened: { client: Redis; prefix: string }[] = [];
    afterAll(async () => {
      for (const { client, prefix } of opened) {
        const keys = await client.keys(`{${prefix}}:*`);
        if (keys.length > 0) await client.del(...keys);
        client.disconnect();
      }
    });
    function open(retentionMs = 60_000) {
      const client = new Redis(REDIS_URL);
      const prefix = uniqueName('pfw-test');
      opened.push({ client, prefix });
      return { client, prefix, store: redisStore({ client, prefix, retentionMs, logger: false }) };
    }
    const done = (id: string, profileId = 'p') => ({ id, event: 'CHECK_COMPLETED', profileId });

    it('records the profiles in the completion’s own script: one round trip, listed in completion order', async () => {
      const { client, store } = open();
      const evalsha = vi.spyOn(client, 'evalsha');
      // Ids that sort the other way round: the order is the completion's, not the members'.
      await store.complete(['z', 'x', 'a'], { profiles: [done('z'), done('a'), done('q', 'o')] });
      expect(evalsha).toHaveBeenCalledTimes(1);
      const { count, webhooks } = await store.processedSince!('p', 0);
      expect(count).toBe(2);
      expect(webhooks.map((w) => w.id)).toEqual(['z', 'a']);
      expect(webhooks[0]!.processedAt).toBe(webhooks[1]!.processedAt);
      expect(Number.isInteger(webhooks[0]!.processedAt)).toBe(true);
      // Strictly after: nothing since the very millisecond they were recorded.
      expect((await store.processedSince!('p', webhooks[0]!.processedAt)).count).toBe(0);
      expect((await store.processedSince!('p', webhooks[0]!.processedAt - 1)).count).toBe(2);
    });

    it('keeps a profile’s newest 64 completions, for the retention', async () => {
      const { client, prefix, store } = open(60_000);
      for (let i = 0; i < 100; i += 10) {
        const ids = Array.from({ length: 10 }, (_, j) => `w${i + j}`);
        await store.complete(ids, { profiles: ids.map((id) => done(id)) });
      }
      const key = `{${prefix}}:profile:p`;
      expect(await client.zcard(key)).toBe(64);
      const ttl = await client.pttl(key);
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(60_000);
      const { count, webhooks } = await store.processedSince!('p', 0, { limit: 100 });
      expect(count).toBe(64);
      expect(webhooks[0]!.id).toBe('w36');
      // A hundred in one call: trimmed once, after all of them, still to the newest.
      const ids = Array.from({ length: 100 }, (_, i) => `b${i}`);
      await store.complete(ids, { profiles: ids.map((id) => done(id, 'big')) });
      const big = await store.processedSince!('big', 0, { limit: 100 });
      expect(big.count).toBe(64);
      expect(big.webhooks.map((w) => w.id)).toEqual(ids.slice(36));
    });

    it('a profile’s first completions are kept untrimmed, and a replay filed before the retention is trimmed at once even there', async () => {
      const { client, prefix, store } = open(60_000);
      const ids = Array.from({ length: 64 }, (_, i) => `n${i}`);
      await store.complete(ids, { profiles: ids.map((id) => done(id, 'new')) });
      expect(await client.zcard(`{${prefix}}:profile:new`)).toBe(64);
      expect((await store.processedSince!('new', 0, { limit: 100 })).count).toBe(64);
      // A dead letter replayed long after it failed is filed where it stood: past the retention.
      await store.complete(['old'], {
        profiles: [{ ...done('old', 'replayed'), processedAt: Date.now() - 120_000 }],
      });
      expect(await client.zcard(`{${prefix}}:profile:replayed`)).toBe(0);
    });

    it('keeps a dead-lettered id without expiry while its letter exists, then for the retention', async () => {
      const { client, prefix, store } = open(60_000);
      const key = `{${prefix}}:id:a`;
      await store.claim(['a'], { leaseMs: 30_000 });
      expect(await client.pttl(key)).toBeGreaterThan(0);
      await store.addDeadLetter({
        id: 'a',
        event: 'CHECK_COMPLETED',
        webhook: { id: 'a', event: 'CHECK_COMPLETED', timestamp: 1, data: { profile_id: 'p' } },
        reason: 'max-attempts',
        error: 'down',
        attempts: 1,
        failedAt: Date.now(),
        profileId: 'p',
      });
      expect(await client.pttl(key)).toBe(-1);
      expect(await store.deleteDeadLetter('a')).toBe(true);
      const ttl = await client.pttl(key);
      expect(ttl).toBeGreaterThan(59_000);
      expect(await client.hget(key, 's')).toBe('d');
      // Deleting what is not a letter leaves a key alone.
      await store.claim(['b'], { leaseMs: 30_000 });
      expect(await store.deleteDeadLetter('b')).toBe(false);
      expect(await client.hget(`{${prefix}}:id:b`, 's')).toBe('c');
    });
  });
}
