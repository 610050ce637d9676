import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { ConfigurationError } from '../errors/configuration-error.js';
import { resolveLogger } from '../observability/console-logger.js';
import type { Logger } from '../observability/logger.js';
import { redisClientRisks, warnAboutClientSettings } from './client-settings.js';
import type {
  ClaimOutcome,
  DeadLetter,
  DedupeStore,
  ProcessedSince,
  ProcessedWebhook,
} from './dedupe-store.js';
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

/** Completions a profile's sorted set keeps (the memory store keeps as many). */
const COMPLETIONS_PER_PROFILE = 64;

// KEYS: the n id keys, then one profile key per completion that names a profile; ARGV:
// retention, n, then each profile key's member. The profiles' entries are written in the same
// script, so recording them costs no round trip, and scored by Redis's clock: every process
// agrees on what came after what. A profile's scores only grow, by 1/1024 ms at least (exact
// in a double at today's epoch ms), so completions in the same millisecond (one batch, or
// several) list and trim in completion order, and still floor to that millisecond.
const COMPLETE = `local retention, n = tonumber(ARGV[1]), tonumber(ARGV[2])
for i = 1, n do
  redis.call('HSET', KEYS[i], 's', 'd', 'l', 0)
  redis.call('PEXPIRE', KEYS[i], retention)
end
if #KEYS > n then
  ${NOW}
  local top = {}
  for i = n + 1, #KEYS do
    local key = KEYS[i]
    if top[key] == nil then
      local last = redis.call('ZRANGE', key, -1, -1, 'WITHSCORES')[2]
      top[key] = last and tonumber(last) or -1
    end
    local filed = ARGV[i - n + 2 + #KEYS - n]
    local score
    if filed ~= '' then
      -- a replay, filed where it stands in Passfort's order
      score = tonumber(filed)
    else
      score = math.max(now, top[key] + 1 / 1024)
      top[key] = score
    end
    redis.call('ZADD', key, score, ARGV[i - n + 2])
  end
  -- Trimmed once per profile, however many of its webhooks the batch completed.
  for key in pairs(top) do
    redis.call('ZREMRANGEBYRANK', key, 0, -${COMPLETIONS_PER_PROFILE + 1})
    redis.call('ZREMRANGEBYSCORE', key, '-inf', now - retention)
    redis.call('PEXPIRE', key, retention)
  end
end
return n`;

// KEYS: profile key; ARGV: since (ms), retention. Entries after since, unexpired by Redis's
// clock (the key lives a retention past its last write, its oldest entries may not).
const PROCESSED_SINCE = `${NOW}
local from = math.max(tonumber(ARGV[1]) + 1, now - tonumber(ARGV[2]) + 1)
return redis.call('ZRANGEBYSCORE', KEYS[1], from, '+inf', 'WITHSCORES')`;

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

// KEYS: id key, dead-letter hash, dead-letter order; ARGV: id, letter JSON, failedAt. The id
// key is kept (PERSIST) while the letter exists: a redelivery after the retention must still
// find the id done, not run what an operator may replay. Deleting the letter gives it back
// its retention.
const DEAD_LETTER = `redis.call('HSET', KEYS[1], 's', 'd', 'l', 0)
redis.call('PERSIST', KEYS[1])
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
redis.call('ZADD', KEYS[3], ARGV[3], ARGV[1])
return 1`;

const LIST = `local ids = redis.call('ZRANGE', KEYS[2], 0, tonumber(ARGV[1]) - 1)
if #ids == 0 then return {} end
return redis.call('HMGET', KEYS[1], unpack(ids))`;

// KEYS: dead-letter hash, dead-letter order, id key; ARGV: id, retention.
const DELETE = `redis.call('ZREM', KEYS[2], ARGV[1])
local deleted = redis.call('HDEL', KEYS[1], ARGV[1])
if deleted == 1 then
  redis.call('HSET', KEYS[3], 's', 'd', 'l', 0)
  redis.call('PEXPIRE', KEYS[3], ARGV[2])
end
return deleted`;

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
  processedSince: script(PROCESSED_SINCE),
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
 * For order-safe replay (`processedSince`), each completion that names a profile is also added
 * to that profile's sorted set, in the same script and scored by Redis's clock: its newest 64
 * completions, for the retention (a count beyond 64 is a lower bound). A dead-lettered id is
 * kept done (no TTL) for as long as its letter exists, then for the retention from its delete.
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
  // Under the same hash tag as the ids, so a completion and its profiles stay one script.
  const profileKey = (profileId: string) => `${prefix}:profile:${profileId}`;
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
    async complete(ids, options) {
      if (ids.length === 0) return;
      const completed = options?.profiles;
      if (completed === undefined || completed.length === 0) {
        await run(scripts.complete, ids.map(idKey), [retentionMs, ids.length]);
        return;
      }
      const keys = ids.map(idKey);
      const args: (string | number)[] = [retentionMs, ids.length];
      for (const { id, event, profileId } of completed) {
        keys.push(profileKey(profileId));
        args.push(JSON.stringify([id, event]));
      }
      for (const { processedAt } of completed) args.push(processedAt ?? '');
      await run(scripts.complete, keys, args);
    },
    async processedSince(profileId, since, { limit = 20, excluding } = {}) {
      const flat = (await run(
        scripts.processedSince,
        [profileKey(profileId)],
        [Math.floor(since), retentionMs],
      )) as string[];
      return processedSinceFrom(flat, limit, excluding);
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
        [letter.id, JSON.stringify(letter), letter.failedAt],
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
      const deleted = await run(
        scripts.delete,
        [deadHash, deadOrder, idKey(id)],
        [id, retentionMs],
      );
      return (deleted as number) > 0;
    },
    countDeadLetters: () => client.hlen(deadHash),
  };
}

/**
 * `processedSince`'s answer from ZRANGEBYSCORE … WITHSCORES (member, score, member, score …,
 * oldest first, at most 64): the excluded id left out, the oldest `limit` listed.
 */
function processedSinceFrom(
  flat: readonly string[],
  limit: number,
  excluding: string | undefined,
): ProcessedSince {
  let count = 0;
  const webhooks: ProcessedWebhook[] = [];
  for (let i = 0; i < flat.length; i += 2) {
    const [id, event] = JSON.parse(flat[i]!) as [string, string];
    if (id === excluding) continue;
    count++;
    if (webhooks.length < limit) {
      webhooks.push({ id, event, processedAt: Math.floor(Number(flat[i + 1])) });
    }
  }
  return { count, webhooks };
}
