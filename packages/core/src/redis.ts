/**
 * The Redis dedupe store (ioredis). Node-only; kept out of the main entry.
 * @module
 */
export { type RedisStoreOptions, redisStore } from './stores/redis-store.js';
