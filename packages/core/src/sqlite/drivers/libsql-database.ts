import type { SqliteDriver } from '../sqlite-driver.js';
import { type SyncSqliteDatabase, syncSqliteDriver } from '../sync-sqlite-driver.js';

/** What the store uses of a `Database` of the `libsql` package (better-sqlite3's API). */
export interface LibsqlDatabase extends SyncSqliteDatabase {
  readonly inTransaction: boolean;
}

/**
 * A local SQLite file through the `libsql` package's synchronous `Database`: the engine under
 * `@libsql/client`, with better-sqlite3's API and the same prebuilt binaries from the npm
 * registry (no C++ toolchain). The fastest local choice without a compiler: each connection
 * prepares the store's statements once, where `@libsql/client` prepares on every call (a
 * webhook with `ctx.transaction` took about a third of the time; BENCHMARKS.md). For Turso,
 * use {@link libsqlDriver}.
 *
 * `open` opens a new connection to your file each time it is called (the store's own, then
 * one per concurrent `ctx.transaction`, whose `fn` receives that `Database`).
 *
 * @example
 * import Database from 'libsql';
 * const store = sqliteStore({ driver: libsqlDatabaseDriver({ open: () => new Database('webhooks.db') }) });
 */
export function libsqlDatabaseDriver<D extends LibsqlDatabase>(options: {
  open: () => D;
}): SqliteDriver<D> {
  return syncSqliteDriver({ open: options.open, inTransaction: (db) => db.inTransaction });
}
