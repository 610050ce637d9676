import { ConfigurationError } from '../errors/configuration-error.js';
import type {
  SqliteDriver,
  SqliteRow,
  SqliteTransactionConnection,
} from '../sqlite/sqlite-driver.js';
import type { D1DatabaseLike, D1PreparedStatementLike, D1ResultLike } from './d1-database.js';

const rows = (result: D1ResultLike) => (result.results ?? []) as SqliteRow[];

/**
 * The SQLite store's driver on a D1 binding: `query` is `prepare().bind().all()`, the atomic
 * batch is `db.batch()` (D1 runs it as one transaction), and `exec` runs a script's statements
 * in one `db.batch()` (D1's own `exec()` takes one statement per line, and the schema's
 * statements span several). D1 keeps no connection open between calls, so there is no
 * `connect()` for `ctx.transaction`: `d1Store` offers `ctx.commitOnce` instead.
 */
export function d1Driver(database: D1DatabaseLike): SqliteDriver {
  const prepare = (sql: string, args: readonly unknown[] = []): D1PreparedStatementLike =>
    args.length === 0 ? database.prepare(sql) : database.prepare(sql).bind(...args);
  return {
    async query(sql, args) {
      return rows(await prepare(sql, args).all());
    },
    async batch(statements) {
      const results = await database.batch(statements.map((each) => prepare(each.sql, each.args)));
      return results.map(rows);
    },
    async exec(sql) {
      await database.batch(scriptStatements(sql).map((each) => prepare(each)));
    },
    connect(): Promise<SqliteTransactionConnection<object>> {
      return Promise.reject(
        new ConfigurationError(
          'D1 has no interactive transactions: use ctx.commitOnce(statements), which commits them with the webhook’s effect record in one db.batch()',
        ),
      );
    },
    close() {},
  };
}

/**
 * The statements of a script without arguments (the schema): split after each `;` that ends a
 * line, `--` comment lines dropped. Enough for the schema this store writes, which has no `;`
 * inside a string or a trigger body.
 */
export function scriptStatements(sql: string): string[] {
  return sql
    .split(/;[ \t]*(?:\r?\n|$)/)
    .map((each) =>
      each
        .split('\n')
        .filter((line) => !/^\s*--/.test(line))
        .join('\n')
        .trim(),
    )
    .filter((each) => each.length > 0);
}
