/**
 * The PostgreSQL dedupe store (pg). Node-only; kept out of the main entry.
 * @module
 */
export {
  type PostgresStore,
  type PostgresStoreOptions,
  postgresSchemaSql,
  postgresStore,
  type Queryable,
} from './stores/postgres-store.js';
