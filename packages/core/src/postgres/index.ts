/**
 * The PostgreSQL dedupe store and loop-guard store (pg). Node-only; kept out of the main entry.
 * @module
 */
export {
  type PostgresStore,
  type PostgresStoreOptions,
  postgresStore,
} from './postgres-dedupe-store.js';
export {
  type PostgresLoopGuardStore,
  type PostgresLoopGuardStoreOptions,
  postgresLoopGuardStore,
} from './postgres-loop-guard-store.js';
export type { Queryable } from './postgres-pool.js';
export { postgresSchemaSql } from './postgres-schema.js';
