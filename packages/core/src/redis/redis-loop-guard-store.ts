import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { ConfigurationError } from '../errors/configuration-error.js';
import { type KnownOptions, refuseUnknownOptions } from '../options/refuse-unknown-options.js';
import type { LoopGuardStore } from '../sync/loop-guard-store.js';

/** The options it accepts: an unknown one is refused (see `refuseUnknownOptions`). */
const REDIS_LOOP_GUARD_STORE_OPTIONS = {
  client: true,
  prefix: true,
  perProfile: true,
} as const satisfies KnownOptions<RedisLoopGuardStoreOptions>;

/** Options of {@link redisLoopGuardStore}. */
export interface RedisLoopGuardStoreOptions {
  /** An ioredis client; it stays yours. */
  client: Redis;
  /** Key prefix, wrapped in a hash tag. @default 'passfort-webhooks' */
  prefix?: string;
  /**
   * Writes remembered per profile, awaiting their echoes; the soonest to expire are
   * forgotten first past it (about 120 bytes each in Redis). Every key expires with the
   * last of its writes.
   * @default 1_000
   */
  perProfile?: number;
}

// Each profile has a sorted set of its write ids scored by expiry (Redis's clock, ms) and a
// hash of write id → "fingerprint|usedBy" (usedBy: empty while unused, the webhook's id once
// used up by it; a write used up without a webhook id is deleted). Both keys share the
// prefix's hash tag, so one script sees both.
const PRELUDE = `
local z, h = KEYS[1], KEYS[2]
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local expired = redis.call('ZRANGEBYSCORE', z, '-inf', now)
if #expired > 0 then
  redis.call('ZREMRANGEBYSCORE', z, '-inf', now)
  redis.call('HDEL', h, unpack(expired))
end
local function keep_alive()
  local last = redis.call('ZRANGE', z, -1, -1, 'WITHSCORES')
  if #last == 0 then
    redis.call('DEL', z, h)
  else
    local ttl = tonumber(last[2]) - now + 1
    redis.call('PEXPIRE', z, ttl)
    redis.call('PEXPIRE', h, ttl)
  end
end
`;

const REMEMBER = `${PRELUDE}
local id, fingerprint, ttl, cap = ARGV[1], ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4])
redis.call('ZADD', z, now + ttl, id)
redis.call('HSET', h, id, fingerprint .. '|')
local extra = redis.call('ZCARD', z) - cap
if extra > 0 then
  local dropped = redis.call('ZRANGE', z, 0, extra - 1)
  redis.call('ZREMRANGEBYRANK', z, 0, extra - 1)
  redis.call('HDEL', h, unpack(dropped))
end
keep_alive()
return 1`;

const CONFIRM = `${PRELUDE}
local id, fingerprint, ttl = ARGV[1], ARGV[2], tonumber(ARGV[3])
local value = redis.call('HGET', h, id)
if not value or string.sub(value, -1) ~= '|' then return 0 end
redis.call('ZADD', z, now + ttl, id)
redis.call('HSET', h, id, fingerprint .. '|')
keep_alive()
return 1`;

const FORGET = `${PRELUDE}
redis.call('ZREM', z, ARGV[1])
redis.call('HDEL', h, ARGV[1])
keep_alive()
return 1`;

const TAKE = `${PRELUDE}
local fingerprint, webhook = ARGV[1], ARGV[2]
local prefix = fingerprint .. '|'
local ids = redis.call('ZRANGE', z, 0, -1)
local unused = nil
for _, id in ipairs(ids) do
  local value = redis.call('HGET', h, id)
  if value and string.sub(value, 1, #prefix) == prefix then
    local used = string.sub(value, #prefix + 1)
    if webhook ~= '' and used == webhook then return 1 end
    if used == '' and not unused then unused = id end
  end
end
if not unused then return 0 end
if webhook == '' then
  redis.call('ZREM', z, unused)
  redis.call('HDEL', h, unused)
else
  redis.call('HSET', h, unused, prefix .. webhook)
end
return 1`;

interface Script {
  source: string;
  sha: string;
}
const script = (source: string): Script => ({
  source,
  sha: createHash('sha1').update(source).digest('hex'),
});
const scripts = {
  remember: script(REMEMBER),
  confirm: script(CONFIRM),
  forget: script(FORGET),
  take: script(TAKE),
};

/**
 * A {@link LoopGuardStore} on Redis, shared by every process (receivers and API writers). Per
 * profile, a sorted set of write ids scored by expiry and a hash of their fingerprints, on
 * Redis's clock; one script, so one round trip, per call, and `take` is atomic.
 */
export function redisLoopGuardStore(options: RedisLoopGuardStoreOptions): LoopGuardStore {
  refuseUnknownOptions('redisLoopGuardStore', options, REDIS_LOOP_GUARD_STORE_OPTIONS);
  if (typeof options?.client?.evalsha !== 'function') {
    throw new ConfigurationError(
      'redisLoopGuardStore needs an ioredis client: redisLoopGuardStore({ client: new Redis(url) })',
    );
  }
  const { client } = options;
  const prefix = `{${options.prefix ?? 'passfort-webhooks'}}`;
  const perProfile = options.perProfile ?? 1_000;
  if (!(perProfile >= 1))
    throw new ConfigurationError('redisLoopGuardStore perProfile must be at least 1');
  const keys = (profileId: string) => [
    `${prefix}:loop-writes:${profileId}`,
    `${prefix}:loop-writes:${profileId}:fingerprints`,
  ];

  async function run(which: Script, profileId: string, args: readonly (string | number)[]) {
    const [z, h] = keys(profileId);
    try {
      return await client.evalsha(which.sha, 2, z!, h!, ...args);
    } catch (error) {
      if (!(error instanceof Error) || !error.message.includes('NOSCRIPT')) throw error;
      return client.eval(which.source, 2, z!, h!, ...args);
    }
  }

  return {
    async remember(profileId, writeId, fingerprint, ttlMs) {
      await run(scripts.remember, profileId, [writeId, fingerprint, Math.ceil(ttlMs), perProfile]);
    },
    async confirm(profileId, writeId, fingerprint, ttlMs) {
      await run(scripts.confirm, profileId, [writeId, fingerprint, Math.ceil(ttlMs)]);
    },
    async forget(profileId, writeId) {
      await run(scripts.forget, profileId, [writeId]);
    },
    async take(profileId, fingerprint, webhookId) {
      return (await run(scripts.take, profileId, [fingerprint, webhookId ?? ''])) === 1;
    },
  };
}
