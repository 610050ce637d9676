/**
 * A Postgres store on tables of a test's own, and dropping them afterwards.
 */
import { type PostgresStoreOptions, postgresStore } from '../src/postgres/postgres-dedupe-store.js';
import type { Queryable } from '../src/postgres/postgres-pool.js';

/**
 * postgresStore on `table`, `${table}_dead` and `${table}_effects` (made by `migrate()`), silent
 * and never pruning on its own timer: the rows a test reads are the ones its webhooks left.
 * `options` add to or override those (a logger a test listens to, preparedStatements, ...).
 */
export function testStore<P extends Queryable>(
  pool: P,
  table: string,
  options: Omit<PostgresStoreOptions<P>, 'pool' | 'table'> = {},
) {
  return postgresStore({
    pool,
    table,
    deadLetterTable: `${table}_dead`,
    logger: false,
    pruneIntervalMs: 0,
    ...options,
  });
}

/** Drops a testStore's tables, and the test's own `others` beside them. */
export async function dropStoreTables(
  db: Queryable,
  table: string,
  ...others: string[]
): Promise<void> {
  await db.query(
    `DROP TABLE IF EXISTS ${[table, `${table}_dead`, `${table}_effects`, ...others].join(', ')}`,
  );
}
