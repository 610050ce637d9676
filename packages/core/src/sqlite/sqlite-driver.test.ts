import { createRequire } from 'node:module';
import { createClient } from '@libsql/client';
import { describe, expect, it } from 'vitest';
import {
  driversOnAFileEachCase,
  sqliteDrivers,
  temporaryDatabase,
} from '../../test/sqlite/sqlite-drivers.js';
import { type BetterSqlite3Database, betterSqlite3Driver } from './drivers/better-sqlite3.js';
import { libsqlDriver } from './drivers/libsql.js';
import { isBusyError } from './sqlite-busy.js';
import { sqliteStore } from './sqlite-store.js';

/**
 * What every driver must do with a busy database, beyond the store kits: a write refused
 * while another connection holds the write lock leaves nothing behind, so the next write
 * after the lock is freed succeeds at its first try. libsql once kept the refused statement
 * active until the garbage collector ran, and every COMMIT on that connection failed as busy
 * meanwhile: a claim waited up to its 5 s busy timeout for a lock that was long free.
 */
for (const kind of sqliteDrivers()) {
  describe(`the ${kind.name} driver on a busy database`, () => {
    const open = driversOnAFileEachCase(kind);

    it('writes at the first try once another connection gives the write lock back', async () => {
      const holder = open();
      const other = open();
      await holder.query('PRAGMA journal_mode = WAL');
      await holder.exec('CREATE TABLE t (n INTEGER)');
      const connection = await holder.connect();
      expect(await connection.tryBegin()).toBe(true);
      await connection.query('INSERT INTO t (n) VALUES (1)');

      // Refused while the lock is held, by each kind of write the store sends.
      const refused = await Promise.allSettled([
        other.batch([{ sql: 'INSERT INTO t (n) VALUES (?)', args: [2] }]),
        other.query('UPDATE t SET n = n + 10'),
        (async () => {
          const second = await other.connect();
          try {
            return await second.tryBegin();
          } finally {
            second.release(false);
          }
        })(),
      ]);
      expect(refused[0].status === 'rejected' && isBusyError(refused[0].reason)).toBe(true);
      expect(refused[1].status === 'rejected' && isBusyError(refused[1].reason)).toBe(true);
      expect(refused[2]).toEqual({ status: 'fulfilled', value: false });

      await connection.commit();
      connection.release(false);

      // Each first try now succeeds, on the same connections that were refused.
      await other.batch([{ sql: 'INSERT INTO t (n) VALUES (?)', args: [3] }]);
      await other.query('UPDATE t SET n = n + 10 WHERE n = 3');
      const again = await other.connect();
      expect(await again.tryBegin()).toBe(true);
      await again.query('INSERT INTO t (n) VALUES (4)');
      await again.commit();
      again.release(false);
      const rows = await holder.query('SELECT n FROM t ORDER BY n');
      expect(rows.map((row) => Number(row['n']))).toEqual([1, 4, 13]);
    });
  });
}

describe('the libsql driver beside the app’s own writes on the same client', () => {
  it('claims once the lock is free, although a write of the app was refused as busy on a connection of the client', async () => {
    const database = temporaryDatabase();
    const client = createClient({ url: `file:${database.file}` });
    const other = createClient({ url: `file:${database.file}` });
    const driver = libsqlDriver({ client });
    const store = sqliteStore({ driver, pruneIntervalMs: 0 });
    try {
      await store.migrate();
      await client.execute('CREATE TABLE app_rows (n INTEGER)');
      // Another process holds the write lock; the app writes on the store's client meanwhile.
      const holder = await other.transaction('write');
      await expect(client.execute('INSERT INTO app_rows (n) VALUES (1)')).rejects.toThrow(
        /SQLITE_BUSY/,
      );
      await holder.commit();
      const claimed = await store.claim(['wh-1'], { leaseMs: 9_000, owner: 'a' });
      expect(claimed).toEqual([{ status: 'claimed', attempt: 1 }]);
      expect(await store.complete(['wh-1'], { owner: 'a' })).toEqual({ refused: [] });
      expect((await store.claim(['wh-1'], { leaseMs: 9_000, owner: 'b' }))[0]?.status).toBe('done');
    } finally {
      await store.close?.();
      client.close();
      other.close();
      database.remove();
    }
  });
});

describe('a synchronous driver’s statements', () => {
  const better = sqliteDrivers().find((kind) => kind.name === 'better-sqlite3');
  it.skipIf(better === undefined)(
    'are prepared once per connection, and again after one of them failed',
    async () => {
      const database = temporaryDatabase();
      const Database = createRequire(import.meta.url)('better-sqlite3') as new (
        file: string,
      ) => BetterSqlite3Database;
      const prepared: string[] = [];
      const driver = betterSqlite3Driver({
        open: () => {
          const opened = new Database(database.file);
          const prepare = opened.prepare.bind(opened);
          return Object.assign(opened, {
            prepare: (sql: string) => {
              prepared.push(sql);
              return prepare(sql);
            },
          });
        },
      });
      try {
        await driver.exec('CREATE TABLE t (n INTEGER PRIMARY KEY)');
        const insert = 'INSERT INTO t (n) VALUES (?)';
        for (const n of [1, 2, 3]) await driver.query(insert, [n]);
        await driver.batch([{ sql: insert, args: [4] }]);
        expect(prepared.filter((sql) => sql === insert)).toHaveLength(1);
        // A failed run (here a duplicate key) drops its statement: the next call prepares anew.
        await expect(driver.query(insert, [1])).rejects.toThrow(/UNIQUE/);
        await driver.query(insert, [5]);
        expect(prepared.filter((sql) => sql === insert)).toHaveLength(2);
        const rows = await driver.query('SELECT n FROM t ORDER BY n');
        expect(rows.map((row) => Number(row['n']))).toEqual([1, 2, 3, 4, 5]);
      } finally {
        driver.close();
        database.remove();
      }
    },
  );
});
