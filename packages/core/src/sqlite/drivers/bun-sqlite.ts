import type { SqliteDriver } from '../sqlite-driver.js';
import { type SyncSqliteDatabase, syncSqliteDriver } from '../sync-sqlite-driver.js';

/** What the store uses of a `bun:sqlite` `Database`. */
export interface BunSqliteDatabase extends SyncSqliteDatabase {
  readonly inTransaction: boolean;
}

/**
 * Bun's built-in `bun:sqlite` (Bun only). `open` opens a new connection to your file each
 * time it is called; `fn` of `ctx.transaction` receives one.
 *
 * @example
 * import { Database } from 'bun:sqlite';
 * const store = sqliteStore({ driver: bunSqliteDriver({ open: () => new Database('webhooks.db') }) });
 */
export function bunSqliteDriver<D extends BunSqliteDatabase>(options: {
  open: () => D;
}): SqliteDriver<D> {
  return syncSqliteDriver({ open: options.open, inTransaction: (db) => db.inTransaction });
}
