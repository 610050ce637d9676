import { ConfigurationError } from '../../errors/configuration-error.js';
import { isBusyError } from '../sqlite-busy.js';
import type { SqliteDriver, SqliteRow, SqliteValue } from '../sqlite-driver.js';
import { SQLITE_FORBIDDEN } from '../sqlite-transaction-dialect.js';

type LibsqlStatement = string | { sql: string; args?: SqliteValue[] };

/** What the store uses of a libsql transaction. */
export interface LibsqlTransactionLike {
  execute(statement: LibsqlStatement): Promise<{ rows: unknown[] }>;
  batch(statements: LibsqlStatement[]): Promise<{ rows: unknown[] }[]>;
  commit(): Promise<void>;
  rollback(): Promise<void>;
  close(): void;
  readonly closed: boolean;
}

/** What the store uses of a `@libsql/client` `Client` (local `file:` or a Turso URL). */
export interface LibsqlClientLike<T extends LibsqlTransactionLike = LibsqlTransactionLike> {
  execute(statement: LibsqlStatement): Promise<{ rows: unknown[] }>;
  batch(statements: LibsqlStatement[], mode: 'write'): Promise<{ rows: unknown[] }[]>;
  executeMultiple(sql: string): Promise<void>;
  transaction(mode: 'write'): Promise<T>;
}

/**
 * What `fn` of `ctx.transaction` receives with libsql: the open transaction's `execute` and
 * `batch` (its commit and rollback are ctx.transaction's to call).
 */
export type LibsqlTransactionHandle<T extends LibsqlTransactionLike> = Pick<T, 'execute' | 'batch'>;

/**
 * `@libsql/client` 0.18: a local file (`file:webhooks.db`) or a Turso database
 * (`libsql://…` with an auth token). Prebuilt binaries come from the npm registry: no C++
 * toolchain. The client stays yours (`close()` does not close it); leave its `timeout` unset
 * (0): the store retries a busy database without blocking the event loop.
 *
 * @example
 * import { createClient } from '@libsql/client';
 * const store = sqliteStore({ driver: libsqlDriver({ client: createClient({ url: 'file:webhooks.db' }) }) });
 */
export function libsqlDriver<T extends LibsqlTransactionLike>(options: {
  client: LibsqlClientLike<T>;
}): SqliteDriver<LibsqlTransactionHandle<T>> {
  const { client } = options;
  let checked: Promise<void> | undefined;
  const rows = (result: { rows: unknown[] }) => result.rows as SqliteRow[];
  return {
    async query(sql, args = []) {
      return rows(await client.execute({ sql, args: [...args] }));
    },
    async batch(statements) {
      const results = await client.batch(
        statements.map((each) => ({ sql: each.sql, args: [...(each.args ?? [])] })),
        'write',
      );
      return results.map(rows);
    },
    async exec(sql) {
      await client.executeMultiple(sql);
    },
    async connect() {
      checked ??= refuseInMemory(client);
      await checked;
      let transaction: T | undefined;
      const current = (): T => {
        if (transaction === undefined || transaction.closed) {
          throw new ConfigurationError('ctx.transaction: the libsql transaction is not open');
        }
        return transaction;
      };
      const handle = new LibsqlTransaction(current) as unknown as LibsqlTransactionHandle<T>;
      return {
        handle,
        async tryBegin() {
          try {
            transaction = await client.transaction('write');
            return true;
          } catch (error) {
            if (isBusyError(error)) return false;
            throw error;
          }
        },
        async query(sql, args = []) {
          return rows(await current().execute({ sql, args: [...args] }));
        },
        inTransaction: () => transaction !== undefined && !transaction.closed,
        async commit() {
          await transaction?.commit();
          transaction = undefined;
        },
        async rollback() {
          if (transaction !== undefined && !transaction.closed) await transaction.rollback();
          transaction = undefined;
        },
        release() {
          // The client's pool rolls back and takes back a connection given up mid-transaction.
          transaction?.close();
          transaction = undefined;
        },
      };
    },
    close() {},
  };
}

function refuseTransactionControl(statement: LibsqlStatement): void {
  const sql = typeof statement === 'string' ? statement : statement.sql;
  const text = sql.replace(/^(?:\s+|--[^\n]*\n|\/\*[\s\S]*?\*\/)*/, '');
  if (SQLITE_FORBIDDEN.test(text)) {
    throw new ConfigurationError(
      `ctx.transaction's function may not send ${text.split(/\s/)[0]?.toUpperCase()} in a batch: it would end or replace the transaction that records the webhook's effect. Nothing was sent`,
    );
  }
}

async function refuseInMemory(client: LibsqlClientLike): Promise<void> {
  // A Turso database may refuse the pragma: it is a remote file anyway.
  const rows = await client.execute('PRAGMA database_list').then(
    (result) => result.rows,
    () => [],
  );
  const main = (rows as { name?: unknown; file?: unknown }[]).find((row) => row.name === 'main');
  if (main !== undefined && (main.file === '' || main.file == null)) {
    throw new ConfigurationError(
      'sqliteStore needs a database file: with an in-memory libsql database, ctx.transaction would hold its only connection. Use file:… or a Turso URL, or memoryStore()',
    );
  }
}

/**
 * The open transaction's `execute` and `batch`, as a class: `fn` returning it is refused by
 * name ("a LibsqlTransaction at result"), like any driver object.
 */
class LibsqlTransaction {
  readonly #current: () => LibsqlTransactionLike;
  constructor(current: () => LibsqlTransactionLike) {
    this.#current = current;
  }
  execute(statement: LibsqlStatement) {
    return this.#current().execute(statement);
  }
  batch(statements: LibsqlStatement[]) {
    // The guard checks execute(); batch() is checked here, with the same rule.
    for (const each of statements) refuseTransactionControl(each);
    return this.#current().batch(statements);
  }
}
