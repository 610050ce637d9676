import { loopGuardStoreConformanceCases } from '@passfort-webhooks/testing/conformance';
import pg from 'pg';
import { describe, it } from 'vitest';
import {
  DATABASE_URL,
  ioredisMajors,
  postgresAvailable,
  REDIS_URL,
  redisAvailable,
  uniqueName,
} from '../../test/services.js';
import { memoryLoopGuardStore } from './memory-loop-guard-store.js';
import { postgresLoopGuardStore } from './postgres-loop-guard-store.js';
import { redisLoopGuardStore } from './redis-loop-guard-store.js';

describe('memoryLoopGuardStore (the public LoopGuardStore kit)', () => {
  const cases = loopGuardStoreConformanceCases(async () => {
    const store = memoryLoopGuardStore();
    // Writers sharing a memory store share the object itself.
    return { store, another: async () => store, cleanup: async () => {} };
  });
  for (const check of cases) it(check.name, check.run);
});

if (await redisAvailable()) {
  for (const { name, Redis } of ioredisMajors) {
    describe(`redisLoopGuardStore on ${name} (the public LoopGuardStore kit)`, () => {
      const cases = loopGuardStoreConformanceCases(async () => {
        const prefix = uniqueName('pfw-loop');
        const clients = [new Redis(REDIS_URL)];
        return {
          store: redisLoopGuardStore({ client: clients[0]!, prefix }),
          async another() {
            const client = new Redis(REDIS_URL);
            clients.push(client);
            return redisLoopGuardStore({ client, prefix });
          },
          async cleanup() {
            const keys = await clients[0]!.keys(`{${prefix}}:*`);
            if (keys.length > 0) await clients[0]!.del(...keys);
            for (const client of clients) client.disconnect();
          },
        };
      });
      for (const check of cases) it(check.name, check.run);
    });
  }
}

if (await postgresAvailable()) {
  describe('postgresLoopGuardStore (the public LoopGuardStore kit)', () => {
    const cases = loopGuardStoreConformanceCases(async () => {
      const table = uniqueName('pfw_loop');
      const pools = [new pg.Pool({ connectionString: DATABASE_URL, max: 2 })];
      const store = postgresLoopGuardStore({ pool: pools[0]!, table });
      await store.migrate();
      return {
        store,
        async another() {
          const pool = new pg.Pool({ connectionString: DATABASE_URL, max: 2 });
          pools.push(pool);
          return postgresLoopGuardStore({ pool, table });
        },
        async cleanup() {
          await pools[0]!.query(`DROP TABLE ${table}`);
          await Promise.all(pools.map((pool) => pool.end()));
        },
      };
    });
    for (const check of cases) it(check.name, check.run);
  });
}
