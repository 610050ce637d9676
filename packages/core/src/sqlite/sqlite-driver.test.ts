import { afterEach, describe, expect, it } from 'vitest';
import {
  type OpenedSqliteDriver,
  sqliteDrivers,
  temporaryDatabase,
} from '../../test/sqlite/sqlite-drivers.js';
import { isBusyError } from './sqlite-busy.js';

/**
 * What every driver must do with a busy database, beyond the store kits: a write refused
 * while another connection holds the write lock leaves nothing behind, so the next write
 * after the lock is freed succeeds at its first try. libsql once kept the refused statement
 * active until the garbage collector ran, and every COMMIT on that connection failed as busy
 * meanwhile: a claim waited up to its 5 s busy timeout for a lock that was long free.
 */
for (const kind of sqliteDrivers()) {
  describe(`the ${kind.name} driver on a busy database`, () => {
    const opened: OpenedSqliteDriver[] = [];
    let database = temporaryDatabase();
    afterEach(async () => {
      for (const each of opened.splice(0)) await each.close();
      database.remove();
      database = temporaryDatabase();
    });
    const open = () => {
      const each = kind.open(database.file);
      opened.push(each);
      return each.driver;
    };

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
