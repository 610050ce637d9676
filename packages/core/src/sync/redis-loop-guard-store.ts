import type { Redis } from 'ioredis';
import type { LoopGuardStore } from './loop-guard-store.js';

/** Options of {@link redisLoopGuardStore}. */
export interface RedisLoopGuardStoreOptions {
  /** An ioredis client; it stays yours. */
  client: Redis;
  /** Key prefix, wrapped in a hash tag. @default 'passfort-webhooks' */
  prefix?: string;
  /** Fingerprints kept per profile. @default 16 */
  perProfile?: number;
}

/**
 * A {@link LoopGuardStore} on Redis, shared by every process (receivers and API writers).
 * One sorted set per profile, scored by expiry; one round trip per call.
 */
export function redisLoopGuardStore(options: RedisLoopGuardStoreOptions): LoopGuardStore {
  const { client } = options;
  const prefix = `{${options.prefix ?? 'passfort-webhooks'}}`;
  const perProfile = options.perProfile ?? 16;
  const key = (profileId: string) => `${prefix}:loop:${profileId}`;
  return {
    async remember(profileId, fingerprint, ttlMs) {
      const now = Date.now();
      await client
        .multi()
        .zadd(key(profileId), now + ttlMs, fingerprint)
        .zremrangebyscore(key(profileId), '-inf', now)
        .zremrangebyrank(key(profileId), 0, -perProfile - 1)
        .pexpire(key(profileId), ttlMs)
        .exec();
    },
    async isRemembered(profileId, fingerprint) {
      const score = await client.zscore(key(profileId), fingerprint);
      return score !== null && Number(score) > Date.now();
    },
  };
}
