import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { ConfigurationError } from '../errors/configuration-error.js';
import { resolveLogger } from '../observability/console-logger.js';
import type { Logger } from '../observability/logger.js';
import { type KnownOptions, refuseUnknownOptions } from '../options/refuse-unknown-options.js';
import { redisClientRisks, warnAboutClientSettings } from '../stores/client-settings.js';
import type {
  ClaimOutcome,
  DeadLetter,
  DedupeStore,
  ProcessedSince,
  ProcessedWebhook,
} from '../stores/dedupe-store.js';
import { DEFAULT_RETENTION_MS } from '../stores/dedupe-store.js';

/** The options it accepts: an unknown one is refused (see `refuseUnknownOptions`). */
const REDIS_STORE_OPTIONS = {
  client: true,
  prefix: true,
  retentionMs: true,
  logger: true,
} as const satisfies KnownOptions<RedisStoreOptions>;

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

// An id's hash: s state (c claimed, r released, d done), l lease end (ms, Redis's clock),
// a runs counted, st '1' once this claim's run is counted ('0' not yet; absent on a claim
// made before owners: counted), o owner ('' none), f fingerprint.
// ARGV: lease, retention, owner, '1' when only the first id's run starts now, then one
// fingerprint per id (or none). Returns per id two values: -1 done (and its fingerprint),
// 0 busy, n > 0 claimed with attempt n.
const CLAIM = `${NOW}
local lease, retention, owner, first = tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3], ARGV[4] == '1'
local out = {}
for i, key in ipairs(KEYS) do
  local h = redis.call('HMGET', key, 's', 'l', 'a', 'f')
  local state, leaseUntil = h[1], tonumber(h[2] or '0')
  if state == 'd' then
    out[2 * i - 1] = -1
    out[2 * i] = h[4] or ''
  elseif state == 'c' and leaseUntil > now then
    out[2 * i - 1] = 0
    out[2 * i] = ''
  else
    local runs = tonumber(h[3] or '0')
    local counts = (not first) or i == 1
    redis.call('HSET', key, 's', 'c', 'l', now + lease, 'a', counts and runs + 1 or runs,
      'st', counts and '1' or '0', 'o', owner, 'f', ARGV[4 + i] or '')
    redis.call('PEXPIRE', key, retention)
    out[2 * i - 1] = runs + 1
    out[2 * i] = ''
  end
end
return out`;

// True when a call by owner may act on the id whose owner field is held.
const MAY_ACT = `local function mayAct(held, owner)
  return owner == '' or not held or held == '' or held == owner
end`;

/** Completions a profile's sorted set keeps (the memory store keeps as many). */
const COMPLETIONS_PER_PROFILE = 64;

// KEYS: the n id keys, then the key of the id whose run starts now (when ARGV[4] is '1'),
// then one profile key per completion that names a profile; ARGV: retention, n, owner, '1'
// when a start is marked, then per profile key its member, its filing time ('' for now) and
// the position of its id. Returns the positions of the ids refused: another owner holds them.
// The profiles' entries are written in the same script, so recording them costs no round
// trip, and scored by Redis's clock: every process agrees on what came after what. A
// profile's scores only grow, by 1/1024 ms at least (exact in a double at today's epoch ms),
// so completions in the same millisecond (one batch, or several) list and trim in completion
// order, and still floor to that millisecond.
const COMPLETE = `${MAY_ACT}
local retention, n, owner, marks = tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3], ARGV[4] == '1'
local refused, skip = {}, {}
for i = 1, n do
  if mayAct(redis.call('HGET', KEYS[i], 'o'), owner) then
    if owner ~= '' then
      redis.call('HSET', KEYS[i], 's', 'd', 'l', 0, 'o', owner)
    else
      redis.call('HSET', KEYS[i], 's', 'd', 'l', 0)
    end
    redis.call('PEXPIRE', KEYS[i], retention)
  else
    refused[#refused + 1] = i - 1
    skip[i] = true
  end
end
local first = n + 1
if marks or #KEYS >= first then
  ${NOW}
  if marks then
    first = n + 2
    local key = KEYS[n + 1]
    local h = redis.call('HMGET', key, 's', 'l', 'o', 'st')
    if h[1] == 'c' and tonumber(h[2] or '0') > now and mayAct(h[3], owner) and h[4] == '0' then
      redis.call('HINCRBY', key, 'a', 1)
      redis.call('HSET', key, 'st', '1')
    end
  end
  local top = {}
  for i = first, #KEYS do
    local at = 4 + (i - first) * 3
    if not skip[tonumber(ARGV[at + 3]) + 1] then
      local key = KEYS[i]
      if top[key] == nil then
        local last = redis.call('ZRANGE', key, -1, -1, 'WITHSCORES')[2]
        top[key] = last and tonumber(last) or -1
      end
      local filed = ARGV[at + 2]
      local score
      if filed ~= '' then
        -- a replay, filed where it stands in Passfort's order
        score = tonumber(filed)
      else
        score = math.max(now, top[key] + 1 / 1024)
        top[key] = score
      end
      redis.call('ZADD', key, score, ARGV[at + 1])
    end
  end
  -- Trimmed once per profile, however many of its webhooks the batch completed.
  for key in pairs(top) do
    redis.call('ZREMRANGEBYRANK', key, 0, -${COMPLETIONS_PER_PROFILE + 1})
    redis.call('ZREMRANGEBYSCORE', key, '-inf', now - retention)
    redis.call('PEXPIRE', key, retention)
  end
end
return refused`;

// KEYS: profile key; ARGV: since (ms), retention. Entries after since, unexpired by Redis's
// clock (the key lives a retention past its last write, its oldest entries may not).
const PROCESSED_SINCE = `${NOW}
local from = math.max(tonumber(ARGV[1]) + 1, now - tonumber(ARGV[2]) + 1)
return redis.call('ZRANGEBYSCORE', KEYS[1], from, '+inf', 'WITHSCORES')`;

// ARGV: '1' when the handlers ran and failed (their run is counted if it was not), '0' when
// they never started (a run counted is taken back); the owner.
const RELEASE = `${MAY_ACT}
for _, key in ipairs(KEYS) do
  local h = redis.call('HMGET', key, 's', 'o', 'st')
  if h[1] == 'c' and mayAct(h[2], ARGV[2]) then
    local started = h[3] ~= '0'
    if ARGV[1] == '1' then
      if not started then redis.call('HINCRBY', key, 'a', 1) end
    elseif started then
      redis.call('HINCRBY', key, 'a', -1)
    end
    redis.call('HSET', key, 's', 'r', 'l', 0, 'st', '0', 'o', '')
  end
end
return #KEYS`;

// Extends live claims of this owner only: an ended lease may already be someone else's to take.
const RENEW = `${NOW}
${MAY_ACT}
local lease = tonumber(ARGV[1])
for _, key in ipairs(KEYS) do
  local h = redis.call('HMGET', key, 's', 'l', 'o')
  if h[1] == 'c' and tonumber(h[2] or '0') > now and mayAct(h[3], ARGV[2]) then
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
  refuseUnknownOptions('redisStore', options, REDIS_STORE_OPTIONS);
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
    async claim(ids, { leaseMs, owner = '', starts, fingerprints = [] }) {
      if (ids.length === 0) return [];
      const flat = (await run(scripts.claim, ids.map(idKey), [
        leaseMs,
        retentionMs,
        owner,
        starts === 'first' ? '1' : '0',
        ...fingerprints,
      ])) as (number | string)[];
      const outcomes: ClaimOutcome[] = new Array(ids.length);
      for (let i = 0; i < ids.length; i++) {
        const code = flat[2 * i] as number;
        const fingerprint = flat[2 * i + 1] as string;
        outcomes[i] =
          code < 0
            ? fingerprint === ''
              ? { status: 'done' }
              : { status: 'done', fingerprint }
            : code === 0
              ? { status: 'busy' }
              : { status: 'claimed', attempt: code };
      }
      return outcomes;
    },
    async complete(ids, options = {}) {
      const { owner = '', started, profiles: completed = [] } = options;
      if (ids.length === 0 && started === undefined) return { refused: [] };
      const keys = ids.map(idKey);
      const args: (string | number)[] = [
        retentionMs,
        ids.length,
        owner,
        started === undefined ? '0' : '1',
      ];
      if (started !== undefined) keys.push(idKey(started));
      if (completed.length > 0) {
        const position = new Map(ids.map((id, i) => [id, i]));
        for (const { id, event, profileId, processedAt } of completed) {
          keys.push(profileKey(profileId));
          args.push(JSON.stringify([id, event]), processedAt ?? '', position.get(id) ?? -1);
        }
      }
      const refused = (await run(scripts.complete, keys, args)) as number[];
      return { refused: refused.map((i) => ids[i]!) };
    },
    async processedSince(profileId, since, { limit = 20, excluding } = {}) {
      const flat = (await run(
        scripts.processedSince,
        [profileKey(profileId)],
        [Math.floor(since), retentionMs],
      )) as string[];
      return processedSinceFrom(flat, limit, excluding);
    },
    async release(ids, { failed = false, owner = '' } = {}) {
      if (ids.length > 0) await run(scripts.release, ids.map(idKey), [failed ? '1' : '0', owner]);
    },
    async renew(ids, { leaseMs, owner = '' }) {
      if (ids.length > 0) await run(scripts.renew, ids.map(idKey), [leaseMs, owner]);
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
