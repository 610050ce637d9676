import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { loopGuardStoreConformanceCases } from '../../../testing/src/conformance/index.js';
import {
  DATABASE_URL,
  ioredisMajors,
  postgresAvailable,
  REDIS_URL,
  redisAvailable,
  uniqueName,
} from '../../test/services.js';
import { postgresLoopGuardStore } from '../postgres/postgres-loop-guard-store.js';
import { redisLoopGuardStore } from '../redis/redis-loop-guard-store.js';
import { createLoopGuard } from './loop-guard.js';
import { memoryLoopGuardStore } from './memory-loop-guard-store.js';

const A = { entity_type: 'INDIVIDUAL', contact_details: { email: 'a@example.com' } };
const B = { entity_type: 'INDIVIDUAL', contact_details: { email: 'b@example.com' } };
const analyst = { email: 'analyst@example.com', id: 'u-1', name: 'Analyst' };
const apiChange = (new_data: unknown) => ({ profile_id: 'p-1', new_data, user: null });

describe('createLoopGuard: an echo is the webhook of a write of ours that landed, once', () => {
  it('uses a write up once its echo was seen', async () => {
    const guard = createLoopGuard();
    await guard.rememberWrite('p-1', A);
    expect(await guard.isEcho(apiChange(A))).toBe(true);
    expect(await guard.isEcho(apiChange(A))).toBe(false);
  });

  it('never suppresses another API client restoring an earlier value of ours', async () => {
    const guard = createLoopGuard();
    await guard.rememberWrite('p-1', A);
    await guard.rememberWrite('p-1', B);
    expect(await guard.isEcho(apiChange(A))).toBe(true);
    expect(await guard.isEcho(apiChange(B))).toBe(true);
    expect(await guard.isEcho(apiChange(A))).toBe(false); // another system sets A again
  });

  it('never suppresses a change back after an analyst’s edit in between', async () => {
    const guard = createLoopGuard();
    await guard.rememberWrite('p-1', A);
    expect(await guard.isEcho(apiChange(A))).toBe(true);
    expect(await guard.isEcho({ profile_id: 'p-1', new_data: B, user: analyst })).toBe(false);
    expect(await guard.isEcho(apiChange(A))).toBe(false);
  });

  it('recognises a webhook redelivered under the same id again, without using up another write', async () => {
    const guard = createLoopGuard();
    await guard.rememberWrite('p-1', A);
    expect(await guard.isEcho(apiChange(A), { webhookId: 'w-1' })).toBe(true);
    expect(await guard.isEcho(apiChange(A), { webhookId: 'w-1' })).toBe(true);
    expect(await guard.isEcho(apiChange(A), { webhookId: 'w-2' })).toBe(false);
  });
});

describe('memoryLoopGuardStore bounds', () => {
  it('keeps a profile’s writes by time, up to perProfile (1,000 by default)', () => {
    const store = memoryLoopGuardStore({ now: () => 0 });
    for (let i = 0; i < 1_000; i++) store.remember('p-1', `w-${i}`, `f-${i}`, 60_000 + i);
    expect(store.take('p-1', 'f-0')).toBe(true);
    store.remember('p-1', 'w-0', 'f-0', 60_000);
    store.remember('p-1', 'w-1000', 'f-1000', 120_000);
    // Past the cap, the write that would expire soonest goes.
    expect(store.take('p-1', 'f-0')).toBe(false);
    expect(store.take('p-1', 'f-1')).toBe(true);
    expect(store.take('p-1', 'f-1000')).toBe(true);
  });

  it('holds at most maxWrites over all profiles, forgetting the least recently written first', () => {
    const store = memoryLoopGuardStore({ maxWrites: 50 });
    for (const profile of ['p-1', 'p-2', 'p-3']) {
      for (let i = 0; i < 30; i++) store.remember(profile, `w-${i}`, `${profile}-${i}`, 60_000);
    }
    const kept = (profile: string) =>
      Array.from({ length: 30 }, (_, i) => store.take(profile, `${profile}-${i}`)).filter(Boolean)
        .length;
    expect([kept('p-1'), kept('p-2'), kept('p-3')]).toEqual([0, 20, 30]);
  });

  it('forgets expired writes on its clock', () => {
    let now = 0;
    const store = memoryLoopGuardStore({ now: () => now });
    store.remember('p-1', 'w-1', 'f-1', 1_000);
    now = 1_000;
    expect(store.take('p-1', 'f-1')).toBe(false);
  });
});

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

    it('migrate() brings a table of the earlier version (one row per fingerprint) to one row per write', async () => {
      const table = uniqueName('pfw_loop_old');
      const pool = new pg.Pool({ connectionString: DATABASE_URL, max: 2 });
      try {
        await pool.query(`CREATE TABLE ${table} (
  profile_id text NOT NULL,
  fingerprint text NOT NULL,
  expires_at timestamptz NOT NULL,
  PRIMARY KEY (profile_id, fingerprint)
)`);
        await pool.query(`INSERT INTO ${table} VALUES ('p-1', 'f-old', now() + interval '1 hour')`);
        const store = postgresLoopGuardStore({ pool, table });
        await store.migrate();
        await store.migrate(); // idempotent
        await store.remember('p-1', 'w-1', 'f-old', 60_000);
        expect(await store.take('p-1', 'f-old')).toBe(true);
        expect(await store.take('p-1', 'f-old')).toBe(true);
        expect(await store.take('p-1', 'f-old')).toBe(false);
      } finally {
        await pool.query(`DROP TABLE IF EXISTS ${table}`);
        await pool.end();
      }
    });
  });
}
