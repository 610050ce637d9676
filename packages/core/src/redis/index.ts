/**
 * The Redis dedupe store and loop-guard store (ioredis). Node-only; kept out of the main entry.
 * @module
 */
export { type RedisStoreOptions, redisStore } from './redis-dedupe-store.js';
export {
  type RedisLoopGuardStoreOptions,
  redisLoopGuardStore,
} from './redis-loop-guard-store.js';
