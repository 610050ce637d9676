/** What the store runs statements on: a connection of a mysql2 promise pool. */
export interface MysqlQueryable {
  query(sql: string, values?: unknown): Promise<[unknown, unknown]>;
}

/** A connection taken from the pool, for transactions. */
export interface MysqlPoolConnection extends MysqlQueryable {
  beginTransaction(): Promise<void>;
  commit(): Promise<void>;
  rollback(): Promise<void>;
  release(): void;
  /** Closes the connection instead of returning it (after a failed rollback). */
  destroy(): void;
}

/** What the store needs of a `mysql2/promise` Pool. */
export interface MysqlPool extends MysqlQueryable {
  getConnection(): Promise<MysqlPoolConnection>;
}

/** The connection `ctx.transaction` hands to handlers: mysql2's `PoolConnection` for its Pool. */
export type MysqlConnectionOf<P> = P extends { getConnection(): Promise<infer C> } ? C : never;
