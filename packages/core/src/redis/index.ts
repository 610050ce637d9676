/**
 * The Redis dedupe store and loop-guard store (ioredis). Node-only; kept out of the main entry.
 * @module
 */
export { type RedisStoreOptions, redisStore } from '../stores/redis-store.js';
export {
  type RedisLoopGuardStoreOptions,
  redisLoopGuardStore,
} from '../sync/redis-loop-guard-store.js';
