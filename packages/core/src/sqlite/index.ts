/**
 * The SQLite dedupe store and loop-guard store: a local file (one machine, several processes)
 * or Turso. No driver is imported here: each driver function takes your own client or
 * database, so only the driver you installed is loaded.
 * @module
 */
export {
  type BetterSqlite3Database,
  betterSqlite3Driver,
} from './drivers/better-sqlite3.js';
export { type BunSqliteDatabase, bunSqliteDriver } from './drivers/bun-sqlite.js';
export {
  type LibsqlClientLike,
  type LibsqlTransactionHandle,
  type LibsqlTransactionLike,
  libsqlDriver,
} from './drivers/libsql.js';
export { type LibsqlDatabase, libsqlDatabaseDriver } from './drivers/libsql-database.js';
export { type NodeSqliteDatabase, nodeSqliteDriver } from './drivers/node-sqlite.js';
export type {
  SqliteBatchOptions,
  SqliteDriver,
  SqliteRow,
  SqliteStatement,
  SqliteTransactionConnection,
  SqliteValue,
} from './sqlite-driver.js';
export {
  type SqliteLoopGuardStore,
  type SqliteLoopGuardStoreOptions,
  sqliteLoopGuardStore,
} from './sqlite-loop-guard-store.js';
export { sqliteSchemaSql } from './sqlite-schema.js';
export { type SqliteStore, type SqliteStoreOptions, sqliteStore } from './sqlite-store.js';
export {
  type SyncSqliteDatabase,
  type SyncSqliteStatement,
  syncSqliteDriver,
} from './sync-sqlite-driver.js';
