/**
 * What the SQLite store needs of a driver, kept small so that each driver is a few lines
 * (`drivers/`): statements on the store's own connection, an atomic write of several
 * statements, and connections of their own for `ctx.transaction`.
 * @module
 */

/** A value SQLite stores: every driver binds these as they are. */
export type SqliteValue = string | number | bigint | null | Uint8Array;

/** A row as the driver returns it, keyed by column name. */
export type SqliteRow = Record<string, unknown>;

/** One statement and its positional (`?`) arguments. */
export interface SqliteStatement {
  readonly sql: string;
  readonly args?: readonly SqliteValue[];
}

/** Options of {@link SqliteDriver.batch}. */
export interface SqliteBatchOptions {
  /**
   * `false`: the commit need not wait for its fsync (`PRAGMA synchronous = NORMAL` for this
   * transaction only, set before it and put back to `FULL` after; SQLite refuses to change it
   * inside one). In WAL mode such a commit survives a crash of the process, and only a power
   * loss or a crash of the OS can take it back; any later commit at `FULL` syncs it too, since
   * the WAL is one file written in order. The store asks it for writes that acknowledge
   * nothing (see `sqlite-claims.ts`). A driver may ignore it (D1, Turso). @default true
   */
  readonly durable?: boolean;
}

/**
 * A driver: the store's statements run on its connection. Every method may reject with the
 * driver's error; a busy database (another connection holds its write lock) must reject with
 * an error whose `code` (or message) names `SQLITE_BUSY` or `SQLITE_LOCKED`, which the store
 * retries, without blocking the event loop, until its `busyTimeoutMs`.
 */
export interface SqliteDriver<Tx extends object = object> {
  /** Runs one statement; its rows (empty for a statement that returns none). */
  query(sql: string, args?: readonly SqliteValue[]): Promise<readonly SqliteRow[]>;
  /**
   * Runs the statements in order in one write transaction (`BEGIN IMMEDIATE` … `COMMIT`), with
   * nothing else run on the connection in between; each statement's rows.
   */
  batch(
    statements: readonly SqliteStatement[],
    options?: SqliteBatchOptions,
  ): Promise<readonly (readonly SqliteRow[])[]>;
  /** Runs a script of several statements without arguments (the schema). */
  exec(sql: string): Promise<void>;
  /** A connection of its own, for one `ctx.transaction` (see {@link SqliteTransactionConnection}). */
  connect(): Promise<SqliteTransactionConnection<Tx>>;
  /** Closes what the driver opened (not a database or client the caller passed in). */
  close(): Promise<void> | void;
}

/** A connection that runs one `ctx.transaction` at a time. */
export interface SqliteTransactionConnection<Tx extends object> {
  /** What the handler's `fn` receives: the driver's own database object (or, for libsql, a transaction). */
  readonly handle: Tx;
  /**
   * `BEGIN IMMEDIATE`, never waiting: true once this connection holds the database's write
   * lock; false when another connection holds it (the caller tries again later).
   */
  tryBegin(): Promise<boolean>;
  /** Runs one statement on this connection (inside its transaction once begun). */
  query(sql: string, args?: readonly SqliteValue[]): Promise<readonly SqliteRow[]>;
  /** Whether a transaction is open on this connection. */
  inTransaction(): boolean;
  commit(): Promise<void>;
  rollback(): Promise<void>;
  /** Gives the connection back for the next transaction; `discard` closes it instead. */
  release(discard: boolean): void;
}
