/**
 * The MySQL / MariaDB dedupe store (mysql2), with `ctx.transaction`. Node-only; kept out of
 * the main entry.
 * @module
 */
export {
  type MysqlStore,
  type MysqlStoreOptions,
  mysqlStore,
} from './mysql-dedupe-store.js';
export type {
  MysqlConnectionOf,
  MysqlPool,
  MysqlPoolConnection,
  MysqlQueryable,
} from './mysql-pool.js';
export { mysqlSchemaSql } from './mysql-schema.js';
