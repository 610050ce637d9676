import { Redis } from 'ioredis';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import {
  DATABASE_URL,
  postgresAvailable,
  REDIS_URL,
  redisAvailable,
  uniqueName,
} from '../../test/services.js';
import { createLoopGuard, type LoopGuardStore, memoryLoopGuardStore } from './loop-guard.js';
import { postgresLoopGuardStore } from './postgres-loop-guard-store.js';
import { redisLoopGuardStore } from './redis-loop-guard-store.js';

const written = {
  entity_type: 'INDIVIDUAL',
  address_history: [{ address: { type: 'STRUCTURED', country: 'GBR', route: 'Main St' } }],
  contact_details: { email: 'ada@example.com' },
};

function describeLoopGuard(
  name: string,
  open: () => Promise<{ store: LoopGuardStore; cleanup(): Promise<void> }>,
) {
  describe(`createLoopGuard with ${name}`, () => {
    it('recognises the webhook for our own write as an echo, despite Passfort-added keys', async () => {
      const { store, cleanup } = await open();
      const guard = createLoopGuard({ store });
      await guard.rememberWrite('p-1', written);
      const echoed = structuredClone(written) as typeof written & Record<string, unknown>;
      (echoed.address_history[0]!.address as Record<string, unknown>)['original_freeform_address'] =
        'Main St';
      expect(await guard.isEcho({ profile_id: 'p-1', new_data: echoed, user: null })).toBe(true);
      expect(await guard.isEcho({ profile_id: 'p-1', new_data: echoed })).toBe(true);
      await cleanup();
    });

    it('never treats a person’s change, another profile, or different data as an echo', async () => {
      const { store, cleanup } = await open();
      const guard = createLoopGuard({ store });
      await guard.rememberWrite('p-1', written);
      const user = { email: 'a@b.c', id: 'u', name: 'A' };
      expect(await guard.isEcho({ profile_id: 'p-1', new_data: written, user })).toBe(false);
      expect(await guard.isEcho({ profile_id: 'p-2', new_data: written, user: null })).toBe(false);
      const changed = { ...written, contact_details: { email: 'other@example.com' } };
      expect(await guard.isEcho({ profile_id: 'p-1', new_data: changed, user: null })).toBe(false);
      await cleanup();
    });

    it('forgets writes after the ttl', async () => {
      const { store, cleanup } = await open();
      const guard = createLoopGuard({ store, ttlMs: 100 });
      await guard.rememberWrite('p-1', written);
      await new Promise((resolve) => setTimeout(resolve, 250));
      expect(await guard.isEcho({ profile_id: 'p-1', new_data: written, user: null })).toBe(false);
      await cleanup();
    });
  });
}

describeLoopGuard('the memory store', async () => ({
  store: memoryLoopGuardStore(),
  cleanup: async () => {},
}));

if (await redisAvailable()) {
  describeLoopGuard('the Redis store', async () => {
    const client = new Redis(REDIS_URL);
    const prefix = uniqueName('pfw-loop');
    return {
      store: redisLoopGuardStore({ client, prefix }),
      async cleanup() {
        const keys = await client.keys(`{${prefix}}:*`);
        if (keys.length > 0) await client.del(...keys);
        client.disconnect();
      },
    };
  });
}

if (await postgresAvailable()) {
  describeLoopGuard('the Postgres store', async () => {
    const pool = new pg.Pool({ connectionString: DATABASE_URL, max: 2 });
    const table = uniqueName('pfw_loop');
    const store = postgresLoopGuardStore({ pool, table });
    await store.migrate();
    return {
      store,
      async cleanup() {
        await pool.query(`DROP TABLE ${table}`);
        await pool.end();
      },
    };
  });
}
