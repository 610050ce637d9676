import { createHash } from 'node:crypto';
import type { Logger } from '../observability/logger.js';
import type { Queryable } from './postgres-pool.js';

type Rows = { rows: Record<string, unknown>[] };

/** What sends the store's statements: `run(text, values)`, named when `prepared` holds. */
export type PostgresQuery = (text: string, values?: unknown[]) => Promise<Rows>;

/**
 * Sends the store's per-webhook statements as named statements, which `pg` parses once per
 * connection and Postgres plans once per connection: the claim and the completion are CTEs
 * whose parse and plan cost more than running them (0.76 → 0.37 ms and 0.75 → 0.30 ms each
 * here, BENCHMARKS.md, issue 40). The name is derived from the text, so two stores on other
 * tables never share one.
 *
 * Some poolers hand each transaction another server connection (PgBouncer in transaction mode
 * before 1.21, or with `max_prepared_statements = 0`): there a statement prepared on one
 * connection is missing on the next (26000), or already there under the name (42P05). Both are
 * refused before the statement runs, so it is sent again unnamed, and from then on every
 * statement goes unnamed, with one warning saying why. `preparedStatements: false` starts there.
 *
 * Named only on a pg Pool or Client itself: a statement's name goes in a config object, which
 * pg takes but a pool of another kind need not (the store asks only `query(text, values)` of
 * it, {@link Queryable}): a wrapper that tags each text for tracing made every statement of
 * the store fail (postgres-queryable.test.ts). Others are sent `(text, values)`, as declared.
 */
export function postgresQuery(
  pool: Queryable,
  prepared: boolean,
  logger: Logger,
  explain: (error: unknown) => unknown,
): PostgresQuery {
  const names = new Map<string, string>();
  let named = prepared && isPgItself(pool);
  const send = pool.query.bind(pool) as (config: unknown, values?: unknown[]) => Promise<Rows>;

  return async function query(text, values) {
    try {
      if (!named) return await send(text, values);
      let name = names.get(text);
      if (name === undefined) {
        name = `pfw_${createHash('sha1').update(text).digest('hex').slice(0, 20)}`;
        names.set(text, name);
      }
      try {
        return await send({ name, text, values });
      } catch (error) {
        if (!isPreparedStatementRefusal(error)) throw error;
        // Statements in flight together are refused together: one warning for them all.
        const first = named;
        named = false;
        if (first)
          logger.warn?.(
            { code: (error as { code: string }).code },
            'postgresStore: a named prepared statement was refused (the pool hands out server connections that do not keep them, as PgBouncer in transaction mode does, or they were deallocated, or a table changed under them). The store sends its statements unnamed from now on; set preparedStatements: false to start that way.',
          );
        return await send(text, values);
      }
    } catch (error) {
      throw explain(error);
    }
  };
}

/**
 * 26000: no such prepared statement (a pooler, or DEALLOCATE); 42P05: one of that name exists
 * already; 0A000 with this message: a table the statement reads changed type under it (a
 * migration by another process), which a statement prepared again would not repeat.
 */
function isPreparedStatementRefusal(error: unknown): boolean {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  return (
    code === '26000' ||
    code === '42P05' ||
    (code === '0A000' && String(message).includes('cached plan must not change result type'))
  );
}

/**
 * pg's Pool (pg-pool keeps its `Client` class and its `_clients`) or Client (its connection
 * keeps the names it prepared): what takes `query({ name, text, values })`. An instrumentation
 * that patches pg's query in place (OpenTelemetry's) keeps taking it, and still counts.
 */
function isPgItself(pool: Queryable): boolean {
  const candidate = pool as {
    Client?: unknown;
    _clients?: unknown;
    connection?: { parsedStatements?: unknown };
  };
  if (typeof candidate.Client === 'function' && Array.isArray(candidate._clients)) return true;
  const parsed = candidate.connection?.parsedStatements;
  return typeof parsed === 'object' && parsed !== null;
}
