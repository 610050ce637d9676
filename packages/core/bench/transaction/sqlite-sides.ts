/**
 * Both sides on SQLite, each on its own local WAL file: through `@libsql/client`, and through
 * the `libsql` package's synchronous Database (the same engine, statements cached). Ours: `webhooks.handle()` on `sqliteStore`, whose handler inserts the
 * business row in `ctx.transaction`. By hand, as libsql code writes it: parse, the secrets
 * compared constant-time, then one `client.batch(…, 'write')` (one transaction) that inserts
 * the business row unless the id was seen, and the idempotency row `INSERT OR IGNORE`: a
 * duplicate writes nothing, and the batch runs as a unit, so it is exactly-once for the write.
 *
 * SQLite has no network: a "trip" here is a call into the client (or into a transaction it
 * lent), and the cost that counts is the commits (one fsync each, synchronous FULL), counted
 * apart.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Client, createClient, type Transaction } from '@libsql/client';
import { createPassfortWebhooks } from '@passfort-webhooks/core';
import { libsqlDatabaseDriver, libsqlDriver, sqliteStore } from '@passfort-webhooks/core/sqlite';
import type { TransactionIsolation } from '@passfort-webhooks/core/store';
import { parseAndCheck } from './hand-written.js';
import { headers, SECRET, type Side } from './settings.js';

const WRITE = /^\s*(?:INSERT|UPDATE|DELETE|REPLACE)\b/i;
const BEGINS = /\bBEGIN\b/i;
const sqlOf = (statement: unknown) =>
  typeof statement === 'string' ? statement : (statement as { sql: string }).sql;

/** Calls into the client and into each transaction it lends, and the commits among them. */
function counted(client: Client) {
  const count = { calls: 0, commits: 0 };
  const wrap = <T extends object>(target: T, isTransaction: boolean): T =>
    new Proxy(target, {
      get(object, key) {
        const value = Reflect.get(object, key);
        if (typeof value !== 'function') return value;
        return (...args: unknown[]) => {
          count.calls++;
          if (!isTransaction) {
            if (key === 'batch') count.commits++;
            if (key === 'execute' && WRITE.test(sqlOf(args[0]))) count.commits++;
          }
          // The store takes the write lock with a deferred transaction and `BEGIN IMMEDIATE` by
          // exec (see its libsql driver); a user's write transaction is `transaction('write')`.
          if (key === 'transaction' && args[0] === 'write') count.commits++;
          if (key === 'executeMultiple' && isTransaction && BEGINS.test(String(args[0]))) {
            count.commits++;
          }
          const result = value.apply(object, args);
          return key === 'transaction'
            ? (result as Promise<Transaction>).then((tx) => wrap(tx, true))
            : result;
        };
      },
    });
  return { client: wrap(client, false), count };
}

function temporaryFile() {
  const dir = mkdtempSync(join(tmpdir(), 'pfw-txbench-'));
  return {
    file: join(dir, 'bench.db'),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

const BUSINESS =
  'CREATE TABLE IF NOT EXISTS business (id INTEGER PRIMARY KEY, webhook_id TEXT NOT NULL, decision TEXT NOT NULL)';

export async function oursSqlite(isolation: TransactionIsolation): Promise<Side> {
  const { file, remove } = temporaryFile();
  const raw = createClient({ url: `file:${file}` });
  await raw.execute(BUSINESS);
  const { client, count } = counted(raw);
  const store = sqliteStore({ driver: libsqlDriver({ client }), pruneIntervalMs: 0 });
  await store.migrate();
  const webhooks = createPassfortWebhooks({ secret: SECRET, store, logger: false });
  webhooks.on('CHECK_COMPLETED', async (event, ctx) => {
    await ctx.transaction(
      async (tx) => {
        await tx.execute({
          sql: 'INSERT INTO business (webhook_id, decision) VALUES (?, ?)',
          args: [event.id, 'PASS'],
        });
      },
      { isolation },
    );
  });
  return {
    name: `ctx.transaction (${isolation})`,
    trips: () => count.calls,
    commits: () => count.commits,
    async handle(text) {
      return (await webhooks.handle({ method: 'POST', headers, body: text })).status;
    },
    async close() {
      await webhooks.close();
      await store.close?.();
      raw.close();
      remove();
    },
  };
}

export async function handWrittenSqlite(): Promise<Side> {
  const { file, remove } = temporaryFile();
  const raw = createClient({ url: `file:${file}` });
  await raw.execute('PRAGMA journal_mode = WAL');
  await raw.execute(BUSINESS);
  await raw.execute('CREATE TABLE IF NOT EXISTS seen (id TEXT PRIMARY KEY)');
  const { client, count } = counted(raw);
  return {
    name: 'hand-written',
    trips: () => count.calls,
    commits: () => count.commits,
    async handle(text) {
      const envelope = parseAndCheck({ headers, body: text });
      if (typeof envelope === 'number') return envelope;
      await client.batch(
        [
          {
            sql: 'INSERT INTO business (webhook_id, decision) SELECT ?, ? WHERE NOT EXISTS (SELECT 1 FROM seen WHERE id = ?)',
            args: [envelope.id, 'PASS', envelope.id],
          },
          { sql: 'INSERT OR IGNORE INTO seen (id) VALUES (?)', args: [envelope.id] },
        ],
        'write',
      );
      return 200;
    },
    async close() {
      raw.close();
      remove();
    },
  };
}

/** What the sides below use of the `libsql` package's synchronous Database. */
interface SyncDatabase {
  prepare(sql: string): { run(...args: unknown[]): { changes: number } };
  exec(sql: string): void;
  close(): void;
  readonly inTransaction: boolean;
}
const require = createRequire(import.meta.url);

/** Calls into a synchronous Database (exec, and each statement run), the commits among them. */
function countedDatabase<D extends SyncDatabase>(database: D) {
  const count = { calls: 0, commits: 0 };
  const counted = new Proxy(database, {
    get(object, key) {
      const value = Reflect.get(object, key);
      if (key === 'exec') {
        return (sql: string) => {
          count.calls++;
          if (/\bCOMMIT\b/i.test(sql)) count.commits++;
          return (value as (s: string) => void).call(object, sql);
        };
      }
      if (key === 'prepare') {
        return (sql: string) => {
          const statement = (value as (s: string) => object).call(object, sql);
          return new Proxy(statement, {
            get(target, method) {
              const run = Reflect.get(target, method);
              if (typeof run !== 'function') return run;
              return (...args: unknown[]) => {
                if (method === 'run' || method === 'all' || method === 'get') count.calls++;
                return run.apply(target, args);
              };
            },
          });
        };
      }
      return typeof value === 'function' ? value.bind(object) : value;
    },
  });
  return { database: counted, count };
}

/** Ours through `libsqlDatabaseDriver` (the libsql package's synchronous Database). */
export async function oursSqliteDatabase(isolation: TransactionIsolation): Promise<Side> {
  const { file, remove } = temporaryFile();
  const Database = require('libsql') as new (file: string) => SyncDatabase;
  const count = { calls: 0, commits: 0 };
  const driver = libsqlDatabaseDriver({
    open: () => {
      const opened = countedDatabase(new Database(file));
      // One count for the store's connection and each ctx.transaction connection.
      const shared = opened.count;
      Object.defineProperty(shared, 'calls', {
        get: () => count.calls,
        set: (n: number) => {
          count.calls = n;
        },
      });
      Object.defineProperty(shared, 'commits', {
        get: () => count.commits,
        set: (n: number) => {
          count.commits = n;
        },
      });
      return opened.database;
    },
  });
  const store = sqliteStore({ driver, pruneIntervalMs: 0 });
  await store.migrate();
  await driver.exec(BUSINESS);
  const webhooks = createPassfortWebhooks({ secret: SECRET, store, logger: false });
  webhooks.on('CHECK_COMPLETED', async (event, ctx) => {
    await ctx.transaction(
      async (tx) => {
        tx.prepare('INSERT INTO business (webhook_id, decision) VALUES (?, ?)').run(
          event.id,
          'PASS',
        );
      },
      { isolation },
    );
  });
  return {
    name: `ctx.transaction (${isolation}), libsql Database`,
    trips: () => count.calls,
    commits: () => count.commits,
    async handle(text) {
      return (await webhooks.handle({ method: 'POST', headers, body: text })).status;
    },
    async close() {
      await webhooks.close();
      await store.close?.();
      remove();
    },
  };
}

/** By hand on the same Database: BEGIN IMMEDIATE, the two inserts, COMMIT, synchronously. */
export async function handWrittenSqliteDatabase(): Promise<Side> {
  const { file, remove } = temporaryFile();
  const Database = require('libsql') as new (file: string) => SyncDatabase;
  const raw = new Database(file);
  raw.exec(
    `PRAGMA journal_mode = WAL; ${BUSINESS}; CREATE TABLE IF NOT EXISTS seen (id TEXT PRIMARY KEY)`,
  );
  const { database, count } = countedDatabase(raw);
  const seen = database.prepare('INSERT OR IGNORE INTO seen (id) VALUES (?)');
  const insert = database.prepare('INSERT INTO business (webhook_id, decision) VALUES (?, ?)');
  return {
    name: 'hand-written',
    trips: () => count.calls,
    commits: () => count.commits,
    async handle(text) {
      const envelope = parseAndCheck({ headers, body: text });
      if (typeof envelope === 'number') return envelope;
      database.exec('BEGIN IMMEDIATE');
      try {
        if (seen.run(envelope.id).changes === 1) insert.run(envelope.id, 'PASS');
        database.exec('COMMIT');
      } catch (error) {
        if (raw.inTransaction) raw.exec('ROLLBACK');
        throw error;
      }
      return 200;
    },
    async close() {
      raw.close();
      remove();
    },
  };
}
