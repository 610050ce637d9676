import { ConfigurationError } from '../../errors/configuration-error.js';

/**
 * The connection `fn` receives from `ctx.transaction`, wrapped so that it cannot be misused
 * in ways that silently double or lose an effect:
 * - once `fn` has settled, every use throws: a write started later (a forgotten promise, a
 *   timer) would otherwise run inside the *next* webhook's transaction on the same pooled
 *   connection, and be rolled back or committed with it;
 * - `release()`, `destroy()` and `end()` throw: the connection is ctx.transaction's to give
 *   back, after the commit; released inside `fn` it would commit, go to another user of the
 *   pool, then the record would fail.
 *
 * Everything else is the driver's own object (methods bound to it, `instanceof` intact), so
 * an ORM can wrap it as it wraps a connection of the pool.
 */
export interface GuardedConnection<C> {
  readonly connection: C;
  /** Ends `fn`'s use of the connection: every later use throws. */
  close(): void;
}

const GIVEN_BACK_BY_US = new Set<PropertyKey>(['release', 'destroy', 'end']);

/**
 * Throws before a statement that would end or replace ctx.transaction's transaction is sent:
 * afterwards it could only be detected, and what it committed could not be undone.
 */
function refuseForbidden(query: unknown, forbidden: RegExp, webhookId: string): void {
  const text =
    typeof query === 'string'
      ? query
      : typeof (query as { text?: unknown } | null)?.text === 'string'
        ? (query as { text: string }).text
        : typeof (query as { sql?: unknown } | null)?.sql === 'string'
          ? (query as { sql: string }).sql
          : undefined;
  if (text === undefined) return;
  // Leading comments and blanks do not hide the statement.
  const statement = text.replace(/^(?:\s+|--[^\n]*\n|\/\*[\s\S]*?\*\/)*/, '');
  const match = forbidden.exec(statement);
  if (match !== null) {
    throw new ConfigurationError(
      `ctx.transaction's function may not send ${match[0].trim().toUpperCase()} (webhook ${webhookId}): it would end or replace the transaction that records the webhook's effect. Nothing was sent; move transaction control and (on MySQL) DDL out of the function, or throw to roll back`,
    );
  }
}

export function guardConnection<C extends object>(
  raw: C,
  webhookId: string,
  forbidden?: RegExp,
): GuardedConnection<C> {
  let open = true;
  const bound = new Map<PropertyKey, unknown>();
  const ended = (what: string) =>
    new ConfigurationError(
      `ctx.transaction's connection for webhook ${webhookId} was used (${what}) after its function settled: the transaction is over, and the connection may already run another webhook's. Await every query inside the function`,
    );
  const connection = new Proxy(raw, {
    get(target, property) {
      if (!open) throw ended(`.${String(property)}`);
      if (GIVEN_BACK_BY_US.has(property)) {
        return () => {
          throw new ConfigurationError(
            `ctx.transaction's connection must not be given back by its function (${String(property)}() called for webhook ${webhookId}): ctx.transaction commits, records the effect and releases it after the function returns`,
          );
        };
      }
      const value = Reflect.get(target, property, target) as unknown;
      if (typeof value !== 'function') return value;
      let method = bound.get(property);
      if (method === undefined) {
        const call = value as (...args: unknown[]) => unknown;
        // A method kept past fn (tx.query.bind(tx), a reference taken inside fn) is refused
        // once fn settled, like the connection itself.
        method = (...args: unknown[]) => {
          if (!open) throw ended(`.${String(property)}()`);
          if (forbidden !== undefined && (property === 'query' || property === 'execute')) {
            refuseForbidden(args[0], forbidden, webhookId);
          }
          return call.apply(target, args);
        };
        bound.set(property, method);
      }
      return method;
    },
    set(target, property, value) {
      if (!open) throw ended(`.${String(property)} =`);
      return Reflect.set(target, property, value, target);
    },
  });
  return {
    connection,
    close() {
      open = false;
      bound.clear();
    },
  };
}
