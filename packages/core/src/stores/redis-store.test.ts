import { dedupeStoreConformanceCases } from '@passfort-webhooks/testing/conformance';
import { describe, it } from 'vitest';
import { ioredisMajors, REDIS_URL, redisAvailable, uniqueName } from '../../test/services.js';
import { redisStore } from './redis-store.js';

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
}
