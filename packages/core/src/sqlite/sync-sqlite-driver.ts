import { ConfigurationError } from '../errors/configuration-error.js';
import { isBusyError } from './sqlite-busy.js';
import type {
  SqliteBatchOptions,
  SqliteDriver,
  SqliteRow,
  SqliteStatement,
  SqliteTransactionConnection,
  SqliteValue,
} from './sqlite-driver.js';

/** A prepared statement of a synchronous driver (better-sqlite3, node:sqlite, bun:sqlite). */
export interface SyncSqliteStatement {
  // `never` parameters, so that any driver's statement fits, whatever its own parameter types
  // (better-sqlite3's generic `prepare` returns `Statement<[{}]> | Statement<unknown[]>`, which a
  // `SqliteValue[]` parameter would refuse): the values passed are the store's own.
  all(...args: never[]): unknown[];
  run(...args: never[]): unknown;
  /** better-sqlite3's: false for a statement that returns no rows, whose `all()` throws. */
  readonly reader?: boolean;
}

/** A database of a synchronous driver, as the three of them share it. */
export interface SyncSqliteDatabase {
  prepare(sql: string): SyncSqliteStatement;
  exec(sql: string): unknown;
  close(): unknown;
}

/** Options of {@link syncSqliteDriver}. */
export interface SyncSqliteDriverOptions<D extends SyncSqliteDatabase> {
  /**
   * Opens a new connection to the database file. Called once for the store's statements and
   * again for each connection `ctx.transaction` needs (kept for reuse).
   */
  open: () => D;
  /** The driver's own "a transaction is open" flag, when it has one. */
  inTransaction?: (database: D) => boolean | undefined;
}

/**
 * A {@link SqliteDriver} over a synchronous driver. Each call runs to its end before it
 * returns, so a batch's `BEGIN IMMEDIATE … COMMIT` is atomic on the shared connection without
 * any lock of ours. Connections are set to wait for no lock (`busy_timeout = 0`): a wait
 * inside a synchronous call blocks the event loop, and when the lock's holder is a transaction
 * of this very process, it can only end once the loop runs again; the store retries a busy
 * database asynchronously instead (see `sqlite-busy.ts`).
 */
export function syncSqliteDriver<D extends SyncSqliteDatabase>(
  options: SyncSqliteDriverOptions<D>,
): SqliteDriver<D> {
  const openConnection = (): D => {
    const database = options.open();
    // busy_timeout 0: see above. synchronous FULL: in WAL, better-sqlite3's build defaults to
    // NORMAL, where a power cut can lose the last commits (an acked webhook forgotten).
    database.exec(SESSION);
    return database;
  };
  let main: D | undefined;
  // Once closed, a call still in flight (a webhook that was running when the store closed)
  // gets a connection of its own, closed after it, rather than a new store connection or pool
  // entry that nothing would ever close.
  let closed = false;
  const withStore = <T>(run: (database: D) => T): T => {
    if (!closed) {
      main ??= openConnection();
      return run(main);
    }
    const database = openConnection();
    try {
      return run(database);
    } finally {
      closeQuietly(database);
    }
  };
  const idle: D[] = [];
  const opened = new Set<D>();
  /**
   * After a lazy batch, whatever happened to it. When that is refused (a ROLLBACK that failed
   * left the transaction open, and SQLite refuses the change inside one), the store's
   * connection is closed instead, so that nothing later commits on it at NORMAL, and the
   * batch's own error is the one its caller sees.
   */
  const putBackFull = (database: D) => {
    try {
      database.exec('PRAGMA synchronous = FULL');
    } catch {
      if (main === database) main = undefined;
      closeQuietly(database);
    }
  };

  return {
    async query(sql, args = []) {
      return withStore((database) => {
        if (READS.test(sql)) return rowsOf(database, sql, args);
        // A write on its own takes the write lock by exec first, so that only exec, which
        // finalizes its statement whatever it returns, can be refused as busy: libsql's
        // Database keeps a cached statement that was refused as busy active, and every COMMIT
        // on its connection fails until it is finalized. Inside, the lock is held: nothing is
        // busy.
        database.exec('BEGIN IMMEDIATE');
        try {
          const rows = rowsOf(database, sql, args);
          database.exec('COMMIT');
          return rows;
        } catch (error) {
          rollbackQuietly(database);
          throw error;
        }
      });
    },
    async batch(statements: readonly SqliteStatement[], batchOptions?: SqliteBatchOptions) {
      return withStore((database) => {
        const lazy = batchOptions?.durable === false;
        // Outside the transaction: SQLite refuses to change the safety level inside one.
        if (lazy) database.exec('PRAGMA synchronous = NORMAL');
        try {
          database.exec('BEGIN IMMEDIATE');
          try {
            const results = statements.map((each) => rowsOf(database, each.sql, each.args ?? []));
            database.exec('COMMIT');
            return results;
          } catch (error) {
            rollbackQuietly(database);
            throw error;
          }
        } finally {
          if (lazy) putBackFull(database);
        }
      });
    },
    async exec(sql) {
      withStore((database) => database.exec(sql));
    },
    async connect(): Promise<SqliteTransactionConnection<D>> {
      const database = idle.pop() ?? openConnection();
      if (!opened.has(database)) {
        try {
          refuseInMemory(database);
        } catch (error) {
          // Refused: closed here, else each ctx.transaction would leave one more open.
          closeQuietly(database);
          throw error;
        }
        opened.add(database);
      }
      let open = false;
      const inTransaction = () => options.inTransaction?.(database) ?? open;
      return {
        handle: database,
        async tryBegin() {
          try {
            // fn holds the raw Database, so nothing refuses its PRAGMAs, and the connection is
            // pooled: what it set would follow into later transactions. The settings the
            // store's promises rest on are set again first (one exec, in one call with BEGIN):
            // busy_timeout 0 (a wait would block the event loop, see above), FULL (an acked
            // webhook is durable), and writable (else every later record fails).
            database.exec(`${SESSION}; BEGIN IMMEDIATE`);
          } catch (error) {
            if (isBusyError(error)) return false;
            throw error;
          }
          open = true;
          return true;
        },
        async query(sql, args = []) {
          return rowsOf(database, sql, args);
        },
        inTransaction,
        async commit() {
          if (inTransaction()) database.exec('COMMIT');
          open = false;
        },
        async rollback() {
          if (inTransaction()) database.exec('ROLLBACK');
          open = false;
        },
        release(discard) {
          if (discard || closed || inTransaction()) {
            opened.delete(database);
            closeQuietly(database);
          } else idle.push(database);
        },
      };
    },
    close() {
      for (const database of [...idle, ...(main === undefined ? [] : [main])]) {
        closeQuietly(database);
      }
      idle.length = 0;
      main = undefined;
      closed = true;
    },
  };
}

/** Each connection's settings, set when it opens and again before each ctx.transaction. */
const SESSION = 'PRAGMA busy_timeout = 0; PRAGMA synchronous = FULL; PRAGMA query_only = 0';

/** Statements that only read, run as they are (in WAL, a read waits for no lock). */
const READS = /^\s*(?:SELECT|PRAGMA)\b/i;

/**
 * Each connection's prepared statements, by their SQL: preparing on every call made the store
 * 1.65× slower on better-sqlite3 (21.2 s against 12.8 s for 100 k webhooks in batches of 100,
 * bench/sqlite-store-rss.ts) and its RSS grow twice as much. The store sends a bounded set of
 * texts (a claim of n ids has one per n), so the cache stays small; past its bound the oldest
 * entry goes. A statement that failed is dropped, so a driver that leaves a failed statement
 * in some state (libsql keeps one refused as busy active) never runs it again.
 */
const statements = new WeakMap<SyncSqliteDatabase, Map<string, SyncSqliteStatement>>();
const STATEMENTS_PER_CONNECTION = 400;

function statementOf(database: SyncSqliteDatabase, sql: string): SyncSqliteStatement {
  let cache = statements.get(database);
  if (cache === undefined) {
    cache = new Map();
    statements.set(database, cache);
  }
  let statement = cache.get(sql);
  if (statement === undefined) {
    statement = database.prepare(sql);
    if (cache.size >= STATEMENTS_PER_CONNECTION) cache.delete(cache.keys().next().value!);
    cache.set(sql, statement);
  }
  return statement;
}

function rowsOf(database: SyncSqliteDatabase, sql: string, args: readonly SqliteValue[]) {
  const statement = statementOf(database, sql);
  try {
    if (statement.reader === false) {
      statement.run(...(args as never[]));
      return [];
    }
    return statement.all(...(args as never[])) as SqliteRow[];
  } catch (error) {
    // Prepared afresh next time, whatever state the failure left this one in.
    statements.get(database)?.delete(sql);
    throw error;
  }
}

function rollbackQuietly(database: SyncSqliteDatabase): void {
  try {
    database.exec('ROLLBACK');
  } catch {
    // BEGIN itself failed (busy): there is nothing to roll back
  }
}

/**
 * An in-memory database is one per connection: `ctx.transaction`'s own connection would see
 * another, empty database, and record effects nobody else can read.
 */
function refuseInMemory(database: SyncSqliteDatabase): void {
  const rows = database.prepare('PRAGMA database_list').all() as {
    name?: unknown;
    file?: unknown;
  }[];
  const main = rows.find((row) => row.name === 'main');
  if (main !== undefined && (main.file === '' || main.file == null)) {
    throw new ConfigurationError(
      'sqliteStore needs a database file: an in-memory (or temporary) SQLite database is private to one connection, and ctx.transaction runs on a connection of its own. Use a file (a temporary directory for tests), or memoryStore()',
    );
  }
}

function closeQuietly(database: SyncSqliteDatabase): void {
  try {
    database.close();
  } catch {
    // already closed
  }
}
