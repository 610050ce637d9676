import type { SqliteDriver } from '../sqlite-driver.js';
import { type SyncSqliteDatabase, syncSqliteDriver } from '../sync-sqlite-driver.js';

/** What the store uses of a `node:sqlite` `DatabaseSync`. */
export interface NodeSqliteDatabase extends SyncSqliteDatabase {
  /** Node 22.16 / 24 and later; without it the store tracks its own BEGIN and COMMIT. */
  readonly isTransaction?: boolean;
}

/**
 * The built-in `node:sqlite` (Node 22.13+ and Deno 2; Node 20 has none). `open` opens a new
 * connection to your file each time it is called; `fn` of `ctx.transaction` receives one.
 *
 * @example
 * import { DatabaseSync } from 'node:sqlite';
 * const store = sqliteStore({ driver: nodeSqliteDriver({ open: () => new DatabaseSync('webhooks.db') }) });
 */
export function nodeSqliteDriver<D extends NodeSqliteDatabase>(options: {
  open: () => D;
}): SqliteDriver<D> {
  return syncSqliteDriver({ open: options.open, inTransaction: (db) => db.isTransaction });
}
