import { ConfigurationError } from '../../errors/configuration-error.js';
import { isBusyError } from '../sqlite-busy.js';
import type {
  SqliteBatchOptions,
  SqliteDriver,
  SqliteRow,
  SqliteStatement,
  SqliteValue,
} from '../sqlite-driver.js';
import { SQLITE_FORBIDDEN } from '../sqlite-transaction-dialect.js';

type LibsqlStatement = string | { sql: string; args?: SqliteValue[] };

/** What the store uses of a libsql transaction. */
export interface LibsqlTransactionLike {
  execute(statement: LibsqlStatement): Promise<{ rows: unknown[] }>;
  batch(statements: LibsqlStatement[]): Promise<{ rows: unknown[] }[]>;
  executeMultiple(sql: string): Promise<void>;
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
  transaction(mode: 'write' | 'deferred'): Promise<T>;
  /** `'file'` for a local database; a remote one (Turso) names its protocol. */
  readonly protocol?: string;
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
  const local = client.protocol === 'file';
  let checked: Promise<void> | undefined;
  const rows = (result: { rows: unknown[] }) => result.rows as SqliteRow[];
  const args = (statement: SqliteStatement) => ({
    sql: statement.sql,
    args: [...(statement.args ?? [])],
  });
  // The store's write transactions, one at a time: SQLite has one writer anyway, and each one
  // holds a connection of the client's pool, which refuses (rather than queues) a transaction
  // once all of them are held (a burst of 200 claims held its 20).
  let writes: Promise<unknown> = Promise.resolve();
  const setAside = new Set<T>();
  /** The statements in one transaction holding the write lock, taken as `writeTransaction` does. */
  const writeBatch = async (
    statements: readonly SqliteStatement[],
    batchOptions?: SqliteBatchOptions,
  ) => {
    // Turso: the server's durability is its own; `durable: false` is a local file's matter.
    if (!local) return (await client.batch(statements.map(args), 'write')).map(rows);
    const lazy = batchOptions?.durable === false;
    const run = async () => {
      const transaction = await writeTransaction(client, lazy);
      let levelPutBack = !lazy;
      try {
        const results = await transaction.batch(statements.map(args));
        await commitOrSetAside(transaction, setAside, lazy);
        levelPutBack = true;
        return results.map(rows);
      } finally {
        // Rolls back unless committed; a connection set aside stays out of the pool.
        if (!setAside.has(transaction)) transaction.close();
        if (!levelPutBack) await putBackFull(client);
      }
    };
    const result = writes.then(run, run);
    writes = result.catch(() => {});
    return result;
  };
  return {
    async query(sql, values = []) {
      // A write run on its own would take the write lock by a statement of the client's,
      // which stays stuck when the database is busy (see writeTransaction).
      if (local && !READS.test(sql)) return (await writeBatch([{ sql, args: values }]))[0]!;
      return rows(await client.execute({ sql, args: [...values] }));
    },
    batch: writeBatch,
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
            transaction = local
              ? await writeTransaction(client)
              : await client.transaction('write');
            return true;
          } catch (error) {
            if (isBusyError(error)) return false;
            throw error;
          }
        },
        async query(sql, values = []) {
          return rows(await current().execute({ sql, args: [...values] }));
        },
        inTransaction: () => transaction !== undefined && !transaction.closed,
        async commit() {
          if (transaction !== undefined) {
            await (local ? commitOrSetAside(transaction, setAside) : transaction.commit());
          }
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
    close() {
      // Only the connections set aside: the client itself stays its owner's.
      for (const transaction of setAside) transaction.close();
      setAside.clear();
    },
  };
}

/**
 * COMMIT, or, when the connection is held up by a statement stuck since it was refused as
 * busy (see {@link writeTransaction}: a write of the app's own on this client, outside
 * ctx.transaction, can leave one), rolls back and keeps the connection out of the pool for a
 * minute, so the retry gets another one instead of failing on it again until the garbage
 * collector runs. The commit's error is thrown (it is SQLITE_BUSY: the store retries).
 */
async function commitOrSetAside<T extends LibsqlTransactionLike>(
  transaction: T,
  setAside: Set<T>,
  lazy = false,
): Promise<void> {
  try {
    // By exec: the client's commit() gives the connection back to the pool even when it fails.
    // A lazy commit puts the connection's safety level back in the same call: it goes back to
    // the pool, which the app's own statements share.
    await transaction.executeMultiple(lazy ? `COMMIT; ${FULL}` : 'COMMIT');
  } catch (error) {
    if (!STUCK.test(error instanceof Error ? error.message : String(error))) throw error;
    // In one call: once rolled back, the client's transaction refuses any further statement.
    await transaction.executeMultiple(lazy ? `ROLLBACK; ${FULL}` : 'ROLLBACK').catch(() => {});
    setAside.add(transaction);
    setTimeout(() => {
      setAside.delete(transaction);
      transaction.close();
    }, 60_000).unref?.();
    throw error;
  }
  transaction.close(); // committed: the connection goes back to the pool
}

/** The safety level a lazy write (`durable: false`) sets before its BEGIN, and puts back. */
const NORMAL = 'PRAGMA synchronous = NORMAL';
const FULL = 'PRAGMA synchronous = FULL';

/**
 * Puts `PRAGMA synchronous = FULL` back on the connection a lazy write gave back to the pool
 * without it (its BEGIN or a statement failed; the client's transaction then refuses further
 * statements). The pool lends its most recent idle connection first, so this reaches that
 * one, unless a caller was waiting for a connection at that moment (every one of the pool's
 * connections borrowed): that caller's statements then commit at NORMAL, durable across a
 * crash of the process, not a power loss, until the store's next write on the connection,
 * which sets its level itself.
 */
async function putBackFull(client: { executeMultiple(sql: string): Promise<void> }) {
  await client.executeMultiple(FULL).catch(() => {});
}

/** A COMMIT refused because a statement of the connection is still active. */
const STUCK = /SQL statements in progress/i;

/** Statements that only read: run on their own, outside any write transaction. */
const READS = /^\s*(?:SELECT|PRAGMA)\b/i;

/**
 * A transaction of the local client that holds the database's write lock, or the busy error.
 *
 * Why not `client.transaction('write')` (`BEGIN IMMEDIATE`) or `client.batch(…, 'write')`:
 * the local client runs those as prepared statements, and libsql leaves a statement that got
 * SQLITE_BUSY *active* (SQLite keeps it so it can be stepped again) until the garbage
 * collector finalizes it. Meanwhile every COMMIT on that pooled connection fails with
 * "cannot commit transaction - SQL statements in progress", which is SQLITE_BUSY too: the
 * store retried such a claim for as long as the collector took (0.6 s to over 5 s here, then
 * a 503), although the lock had long been free. `executeMultiple` runs through `exec`, which
 * finalizes its statements whatever they return, so the lock is taken that way: a deferred
 * transaction (it takes no lock, so it cannot be busy) lends a connection of the pool, is
 * ended by ROLLBACK (END is a commit, which a connection holding a stuck statement refuses),
 * and `BEGIN IMMEDIATE` is then run by `exec`. When that is busy, the connection is back in
 * autocommit, and closing the transaction gives it back to the pool as it was.
 */
async function writeTransaction<T extends LibsqlTransactionLike>(
  client: LibsqlClientLike<T>,
  lazy = false,
): Promise<T> {
  const transaction = await client.transaction('deferred');
  try {
    // Each write sets its level, so that none inherits a lazy one's (see putBackFull).
    await transaction.executeMultiple(`ROLLBACK; ${lazy ? NORMAL : FULL}; BEGIN IMMEDIATE`);
    return transaction;
  } catch (error) {
    transaction.close();
    if (lazy) await putBackFull(client);
    throw error;
  }
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
