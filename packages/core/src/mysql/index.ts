/**
 * The MySQL / MariaDB dedupe store (mysql2), with `ctx.transaction`. Node-only; kept out of
 * the main entry.
 * @module
 */
export {
  type MysqlConnectionOf,
  type MysqlPool,
  type MysqlPoolConnection,
  type MysqlQueryable,
  type MysqlStore,
  type MysqlStoreOptions,
  mysqlSchemaSql,
  mysqlStore,
} from '../stores/mysql-store.js';
