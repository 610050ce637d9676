/** What the store needs of a `pg` Pool (or Client): `query(text, values)`. */
export interface Queryable {
  query(text: string, values?: unknown[]): Promise<{ rows: Record<string, unknown>[] }>;
}

/** A connection of a pool, as `ctx.transaction` uses it: queries, then back to the pool. */
export interface PooledConnection extends Queryable {
  /** Returns the connection; with an error, the pool discards it instead. */
  release(error?: Error | boolean): void;
}

/** What `ctx.transaction` needs beyond {@link Queryable}: a `pg` Pool's `connect()`. */
export interface ConnectablePool<Client extends PooledConnection = PooledConnection>
  extends Queryable {
  connect(): Promise<Client>;
}

/** The client `ctx.transaction` hands to handlers for a given pool: pg's `PoolClient` for a `pg.Pool`. */
export type PoolClientOf<P> = P extends {
  // pg's Pool overloads connect() with a callback form: match both, or inference sees only the last
  connect: { (): Promise<infer C>; (callback: never): void };
}
  ? C
  : P extends { connect(): Promise<infer C> }
    ? C
    : never;
