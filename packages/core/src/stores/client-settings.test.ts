import { Redis, type RedisOptions } from 'ioredis';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { postgresStore } from '../postgres/postgres-dedupe-store.js';
import { redisStore } from '../redis/redis-dedupe-store.js';
import { postgresPoolRisks, redisClientRisks } from './client-settings.js';

// Clients are made lazily and never connect: the check reads their options only.
const open: (Redis | pg.Pool)[] = [];
afterEach(async () => {
  for (const client of open.splice(0)) {
    if (client instanceof Redis) client.disconnect();
    else await client.end();
  }
});

function redis(options: RedisOptions = {}) {
  const client = new Redis({ lazyConnect: true, ...options });
  open.push(client);
  return client;
}

function pool(options: pg.PoolConfig = {}) {
  const made = new pg.Pool(options);
  open.push(made);
  return made;
}

function capture() {
  const warnings: { object: Record<string, unknown>; message: string | undefined }[] = [];
  return {
    warnings,
    logger: {
      warn: (object: Record<string, unknown>, message?: string) =>
        warnings.push({ object, message }),
    },
  };
}

// The settings the core README recommends.
const readmeRedis = { enableOfflineQueue: false, maxRetriesPerRequest: 1, commandTimeout: 2_000 };
const readmePg = { connectionTimeoutMillis: 2_000, query_timeout: 3_000 };

describe('client settings that let a store call outlive the deadline', () => {
  it("names both of ioredis's defaults that hold a call: no command timeout, an offline queue with 20 retries", () => {
    const risks = redisClientRisks(redis());
    expect(risks).toHaveLength(2);
    expect(risks[0]).toMatch(/commandTimeout is unset/);
    expect(risks[1]).toMatch(/enableOfflineQueue is on with maxRetriesPerRequest 20/);
  });

  it('finds nothing wrong with the README settings, nor with an offline queue of one retry and a timeout', () => {
    expect(redisClientRisks(redis(readmeRedis))).toEqual([]);
    expect(redisClientRisks(redis({ maxRetriesPerRequest: 1, commandTimeout: 5_000 }))).toEqual([]);
  });

  it('calls a command timeout longer than the longest deadline a risk, and unlimited retries too', () => {
    const risks = redisClientRisks(redis({ commandTimeout: 30_000, maxRetriesPerRequest: null }));
    expect(risks[0]).toMatch(/commandTimeout 30000 ms is longer/);
    expect(risks[1]).toMatch(/maxRetriesPerRequest null/);
  });

  it("names pg's defaults: no connection timeout, no query or statement timeout", () => {
    const risks = postgresPoolRisks(pool());
    expect(risks).toHaveLength(2);
    expect(risks[0]).toMatch(/connectionTimeoutMillis is unset/);
    expect(risks[1]).toMatch(/query_timeout nor statement_timeout/);
    expect(postgresPoolRisks(pool(readmePg))).toEqual([]);
    expect(
      postgresPoolRisks(pool({ connectionTimeoutMillis: 1_000, statement_timeout: 3_000 })),
    ).toEqual([]);
  });

  it('says nothing of a client it cannot read (a custom Queryable)', () => {
    expect(postgresPoolRisks({ query: async () => ({ rows: [] }) })).toEqual([]);
    expect(redisClientRisks(undefined)).toEqual([]);
  });

  it('the stores warn once per client at start-up, with the settings, and never for the README settings', async () => {
    const { warnings, logger } = capture();
    const client = redis();
    redisStore({ client, logger });
    redisStore({ client, logger, prefix: 'another' });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.message).toMatch(/^redisStore: the client's settings let a call outlive/);
    expect(warnings[0]!.object['settings']).toHaveLength(2);

    redisStore({ client: redis(readmeRedis), logger });
    expect(warnings).toHaveLength(1);

    const defaults = pool({ connectionString: 'postgres://user:hunter2@127.0.0.1/test' });
    await postgresStore({ pool: defaults, logger, pruneIntervalMs: 0 }).close?.();
    await postgresStore({ pool: pool(readmePg), logger, pruneIntervalMs: 0 }).close?.();
    expect(warnings).toHaveLength(2);
    expect(warnings[1]!.message).toMatch(/^postgresStore: .*connectionTimeoutMillis is unset/);
    // The warning names settings, never the connection string or its password.
    expect(JSON.stringify(warnings)).not.toContain('hunter2');
  });

  it('logger: false silences it', () => {
    const { warnings, logger } = capture();
    redisStore({ client: redis(), logger: false });
    expect(warnings).toHaveLength(0);
    void logger;
  });
});
