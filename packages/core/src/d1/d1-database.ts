/**
 * What the D1 store uses of Cloudflare's D1 binding, structurally, so that core needs neither
 * `@cloudflare/workers-types` nor a Worker to type-check: `env.DB` (a `D1Database`) fits as it
 * is, and its `D1PreparedStatement` and `D1Result` become the types of `ctx.commitOnce`.
 * @module
 */

/** A prepared statement, as `database.prepare(sql)` returns it and `bind` returns it again. */
export interface D1PreparedStatementLike {
  bind(...values: unknown[]): D1PreparedStatementLike;
  all(): Promise<D1ResultLike>;
}

/** What D1 answers for one statement. */
export interface D1ResultLike {
  readonly results?: readonly unknown[];
}

/** A D1 database binding (`env.DB`). */
export interface D1DatabaseLike<
  S extends D1PreparedStatementLike = D1PreparedStatementLike,
  R extends D1ResultLike = D1ResultLike,
> {
  prepare(sql: string): S;
  /** Runs the statements in order in one transaction: all of them commit, or none. */
  batch(statements: S[]): Promise<R[]>;
}
