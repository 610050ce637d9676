/**
 * The SQLite drivers that load in this runtime, each opened on a real file, for the store
 * kits: @libsql/client and the libsql package's Database (always), better-sqlite3 (when its native module was built, see
 * scripts/build-better-sqlite3.mjs; required under CI=true).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from '@libsql/client';
import Libsql from 'libsql';
import { afterEach, beforeEach } from 'vitest';
import {
  betterSqlite3Driver,
  libsqlDatabaseDriver,
  libsqlDriver,
  type SqliteDriver,
} from '../../src/sqlite/index.js';

/** A driver opened on a file, and how to close everything it opened (a libsql client too). */
export interface OpenedSqliteDriver {
  readonly driver: SqliteDriver;
  close(): Promise<void>;
}

export interface SqliteDriverKind {
  readonly name: string;
  /** A driver on `file` (a new connection each call, as another process would open it). */
  open(file: string): OpenedSqliteDriver;
  /** Inserts one effect row through ctx.transaction's connection. */
  insertEffect(tx: unknown, id: string): Promise<void>;
}

const require = createRequire(import.meta.url);
const INSERT = 'INSERT INTO effects (webhook_id) VALUES (?)';

const libsql: SqliteDriverKind = {
  name: 'libsql',
  open(file) {
    // libsqlDriver leaves the client to its owner: the test owns it, and closes it.
    const client = createClient({ url: `file:${file}` });
    return {
      driver: libsqlDriver({ client }),
      close: async () => client.close(),
    };
  },
  async insertEffect(tx, id) {
    await (tx as { execute(s: { sql: string; args: string[] }): Promise<unknown> }).execute({
      sql: INSERT,
      args: [id],
    });
  },
};

/** The `libsql` package's own synchronous Database: the engine of @libsql/client. */
const libsqlDatabase: SqliteDriverKind = {
  name: 'libsql Database',
  open(file) {
    const driver = libsqlDatabaseDriver({ open: () => new Libsql(file) });
    return { driver, close: async () => driver.close() };
  },
  async insertEffect(tx, id) {
    (tx as Libsql.Database).prepare(INSERT).run(id);
  },
};

type BetterSqlite3 = new (
  file: string,
) => Parameters<typeof betterSqlite3Driver>[0] extends {
  open: () => infer D;
}
  ? D
  : never;

function betterSqlite3(): SqliteDriverKind | string {
  let Database: BetterSqlite3;
  try {
    Database = require('better-sqlite3') as BetterSqlite3;
    new (Database as unknown as new (f: string) => { close(): void })(':memory:').close();
  } catch (error) {
    return `better-sqlite3 does not load (${(error as Error).message.split('\n')[0]}): run pnpm build:better-sqlite3`;
  }
  return {
    name: 'better-sqlite3',
    open(file) {
      const driver = betterSqlite3Driver({ open: () => new Database(file) });
      return { driver, close: async () => driver.close() };
    },
    async insertEffect(tx, id) {
      (tx as { prepare(sql: string): { run(...args: unknown[]): unknown } })
        .prepare(INSERT)
        .run(id);
    },
  };
}

/** The drivers available here; a missing one is reported (and is an error under CI=true). */
export function sqliteDrivers(): SqliteDriverKind[] {
  const kinds: SqliteDriverKind[] = [libsql, libsqlDatabase];
  const better = betterSqlite3();
  if (typeof better === 'string') {
    if (process.env['CI'] === 'true') throw new Error(`${better} (required under CI=true)`);
    console.warn(`skipping the better-sqlite3 kits: ${better}`);
  } else kinds.push(better);
  return kinds;
}

/** A fresh temporary directory for one case's database file, removed by `remove()`. */
export function temporaryDatabase(): { file: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'pfw-sqlite-'));
  return {
    file: join(dir, 'webhooks.db'),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/**
 * For a describe block: a fresh database file for each case, and `open()`, a driver of `kind`
 * on it (as another connection or process would open it); every driver opened is closed, and
 * the file removed, after the case.
 */
export function driversOnAFileEachCase(kind: SqliteDriverKind): () => SqliteDriver {
  const opened: OpenedSqliteDriver[] = [];
  let database: ReturnType<typeof temporaryDatabase> | undefined;
  beforeEach(() => {
    database = temporaryDatabase();
  });
  afterEach(async () => {
    for (const each of opened.splice(0)) await each.close();
    database?.remove();
  });
  return () => {
    const each = kind.open(database!.file);
    opened.push(each);
    return each.driver;
  };
}
