/**
 * The PostgreSQL dedupe store and loop-guard store (pg). Node-only; kept out of the main entry.
 * @module
 */
export {
  type PostgresStore,
  type PostgresStoreOptions,
  postgresSchemaSql,
  postgresStore,
  type Queryable,
} from '../stores/postgres-store.js';
export {
  type PostgresLoopGuardStore,
  type PostgresLoopGuardStoreOptions,
  postgresLoopGuardStore,
} from '../sync/postgres-loop-guard-store.js';
