import type { SqliteDriver } from '../sqlite-driver.js';
import { type SyncSqliteDatabase, syncSqliteDriver } from '../sync-sqlite-driver.js';

/** What the store uses of a better-sqlite3 `Database`. */
export interface BetterSqlite3Database extends SyncSqliteDatabase {
  readonly inTransaction: boolean;
}

/**
 * better-sqlite3 (12; 13 needs Node 22). `open` opens a new connection to your file each time
 * it is called (the store's own, then one per concurrent `ctx.transaction`, whose `fn`
 * receives that `Database`, so `drizzle(tx)` works).
 *
 * @example
 * import Database from 'better-sqlite3';
 * const store = sqliteStore({ driver: betterSqlite3Driver({ open: () => new Database('webhooks.db') }) });
 */
export function betterSqlite3Driver<D extends BetterSqlite3Database>(options: {
  open: () => D;
}): SqliteDriver<D> {
  return syncSqliteDriver({ open: options.open, inTransaction: (db) => db.inTransaction });
}
