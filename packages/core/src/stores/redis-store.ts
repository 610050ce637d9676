import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { ConfigurationError } from '../errors/configuration-error.js';
import { resolveLogger } from '../observability/console-logger.js';
import type { Logger } from '../observability/logger.js';
import { redisClientRisks, warnAboutClientSettings } from './client-settings.js';
import type { ClaimOutcome, DeadLetter, DedupeStore } from './dedupe-store.js';
import { DEFAULT_RETENTION_MS } from './dedupe-store.js';

/** Options of {@link redisStore}. */
export interface RedisStoreOptions {
  /** An ioredis client (or Cluster). It stays yours: `close()` does not quit it. */
  client: Redis;
  /**
   * Prefix of every key. Wrapped in a hash tag (`{prefix}`) so all keys share one cluster
   * slot and a batch stays one atomic script.
   * @default 'passfort-webhooks'
   */
  prefix?: string;
  /**
   * How long a completed id is remembered.
   * @default 7 days
   */
  retentionMs?: number;
  /**
   * Where the start-up warning about client settings that let a command outlive the request's
   * deadline goes (see the core README, "When the store misbehaves"); `false` for nowhere.
   * @default warnings to the console
   */
  logger?: Logger | false;
}

// Every script reads Redis's own clock, so processes with skewed clocks agree on leases.
const NOW = `local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)`;

// Returns per id: -1 done, 0 busy, n > 0 claimed with attempt n.
const CLAIM = `${NOW}
local lease, retention = tonumber(ARGV[1]), tonumber(ARGV[2])
local out = {}
for i, key in ipairs(KEYS) do
  local h = redis.call('HMGET', key, 's', 'l', 'a')
  local state, leaseUntil, attempts = h[1], tonumber(h[2] or '0'), tonumber(h[3] or '0')
  if state == 'd' then
    out[i] = -1
  elseif state == 'c' and leaseUntil > now then
    out[i] = 0
  else
    attempts = attempts + 1
    redis.call('HSET', key, 's', 'c', 'l', now + lease, 'a', attempts)
    redis.call('PEXPIRE', key, retention)
    out[i] = attempts
  end
end
return out`;

const COMPLETE = `for _, key in ipairs(KEYS) do
  redis.call('HSET', key, 's', 'd', 'l', 0)
  redis.call('PEXPIRE', key, ARGV[1])
end
return #KEYS`;

const RELEASE = `for _, key in ipairs(KEYS) do
  if redis.call('HGET', key, 's') == 'c' then
    redis.call('HSET', key, 's', 'r', 'l', 0)
    if ARGV[1] == '0' then redis.call('HINCRBY', key, 'a', -1) end
  end
end
return #KEYS`;

// Extends live claims only: an ended lease may already be someone else's to take.
const RENEW = `${NOW}
local lease = tonumber(ARGV[1])
for _, key in ipairs(KEYS) do
  local h = redis.call('HMGET', key, 's', 'l')
  if h[1] == 'c' and tonumber(h[2] or '0') > now then
    redis.call('HSET', key, 'l', now + lease)
  end
end
return #KEYS`;

// KEYS: id key, dead-letter hash, dead-letter order; ARGV: id, letter JSON, failedAt, retention.
const DEAD_LETTER = `redis.call('HSET', KEYS[1], 's', 'd', 'l', 0)
redis.call('PEXPIRE', KEYS[1], ARGV[4])
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
redis.call('ZADD', KEYS[3], ARGV[3], ARGV[1])
return 1`;

const LIST = `local ids = redis.call('ZRANGE', KEYS[2], 0, tonumber(ARGV[1]) - 1)
if #ids == 0 then return {} end
return redis.call('HMGET', KEYS[1], unpack(ids))`;

const DELETE = `redis.call('ZREM', KEYS[2], ARGV[1])
return redis.call('HDEL', KEYS[1], ARGV[1])`;

interface Script {
  source: string;
  sha: string;
}

function script(source: string): Script {
  return { source, sha: createHash('sha1').update(source).digest('hex') };
}

const scripts = {
  claim: script(CLAIM),
  complete: script(COMPLETE),
  release: script(RELEASE),
  renew: script(RENEW),
  deadLetter: script(DEAD_LETTER),
  list: script(LIST),
  delete: script(DELETE),
};

/**
 * A {@link DedupeStore} on Redis through ioredis, shared by every process that uses the
 * same Redis and prefix. A batch claim, complete or release is one script call: one round
 * trip whatever the batch size. Completed ids expire after the retention by Redis TTL.
 *
 * Durability is Redis's: without AOF (`appendonly yes`) a Redis restart forgets recent
 * completions, and a redelivery would run those webhooks again.
 *
 * @example
 * import Redis from 'ioredis';
 * import { redisStore } from '@passfort-webhooks/core/redis';
 * const store = redisStore({ client: new Redis(process.env.REDIS_URL) });
 */
export function redisStore(options: RedisStoreOptions): DedupeStore {
  if (typeof options?.client?.evalsha !== 'function') {
    throw new ConfigurationError(
      'redisStore needs an ioredis client: redisStore({ client: new Redis(url) })',
    );
  }
  const { client } = options;
  warnAboutClientSettings(
    'redisStore',
    client,
    redisClientRisks(client),
    resolveLogger(options.logger),
  );
  const retentionMs = options.retentionMs ?? DEFAULT_RETENTION_MS;
  if (!(retentionMs > 0)) throw new ConfigurationError('redisStore retentionMs must be positive');
  const prefix = `{${options.prefix ?? 'passfort-webhooks'}}`;
  const idKey = (id: string) => `${prefix}:id:${id}`;
  const deadHash = `${prefix}:dead`;
  const deadOrder = `${prefix}:dead:order`;

  async function run(
    which: Script,
    keys: readonly string[],
    args: readonly (string | number)[],
  ): Promise<unknown> {
    try {
      return await client.evalsha(which.sha, keys.length, ...keys, ...args);
    } catch (error) {
      if (!(error instanceof Error) || !error.message.includes('NOSCRIPT')) throw error;
      return client.eval(which.source, keys.length, ...keys, ...args);
    }
  }

  return {
    async claim(ids, { leaseMs }) {
      if (ids.length === 0) return [];
      const codes = (await run(scripts.claim, ids.map(idKey), [leaseMs, retentionMs])) as number[];
      return codes.map(
        (code): ClaimOutcome =>
          code < 0
            ? { status: 'done' }
            : code === 0
              ? { status: 'busy' }
              : { status: 'claimed', attempt: code },
      );
    },
    async complete(ids) {
      if (ids.length > 0) await run(scripts.complete, ids.map(idKey), [retentionMs]);
    },
    async release(ids, { failed = false } = {}) {
      if (ids.length > 0) await run(scripts.release, ids.map(idKey), [failed ? '1' : '0']);
    },
    async renew(ids, { leaseMs }) {
      if (ids.length > 0) await run(scripts.renew, ids.map(idKey), [leaseMs]);
    },
    async addDeadLetter(letter) {
      await run(
        scripts.deadLetter,
        [idKey(letter.id), deadHash, deadOrder],
        [letter.id, JSON.stringify(letter), letter.failedAt, retentionMs],
      );
    },
    async listDeadLetters({ limit = 100 } = {}) {
      const rows = (await run(scripts.list, [deadHash, deadOrder], [limit])) as (string | null)[];
      return rows
        .filter((row): row is string => row !== null)
        .map((row) => JSON.parse(row) as DeadLetter);
    },
    async getDeadLetter(id) {
      const row = await client.hget(deadHash, id);
      return row === null ? undefined : (JSON.parse(row) as DeadLetter);
    },
    async deleteDeadLetter(id) {
      return ((await run(scripts.delete, [deadHash, deadOrder], [id])) as number) > 0;
    },
    countDeadLetters: () => client.hlen(deadHash),
  };
}
