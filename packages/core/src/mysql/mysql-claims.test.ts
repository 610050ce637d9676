import mysql from 'mysql2/promise';
import { afterEach, describe, expect, it } from 'vitest';
import { MYSQL_URL, mysqlAvailable, uniqueName } from '../../test/services.js';
import { mysqlStore } from './mysql-dedupe-store.js';
import type { MysqlPool } from './mysql-pool.js';

/**
 * The statements a store sends for a claim and a completion (issue 40: round trips were most of
 * what MariaDB cost). What each claim answers is the public kit's to check
 * (mysql-dedupe-store.test.ts); here, that the fewer statements answer the same.
 */
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

/** A real pool whose statements are listed; `refuse` makes the server's parser refuse some. */
async function countedStore(refuse?: RegExp) {
  const pool = mysql.createPool({ uri: MYSQL_URL, connectionLimit: 4 });
  const table = uniqueName('pfw_claims');
  const deadLetterTable = uniqueName('pfw_claims_dead');
  const sent: string[] = [];
  const counted: MysqlPool = {
    query(sql: string, values?: unknown) {
      sent.push(sql);
      if (refuse?.test(sql)) {
        // What MySQL 8's parser answers RETURNING with (the statement is not run).
        const error = Object.assign(new Error('You have an error in your SQL syntax'), {
          errno: 1064,
          code: 'ER_PARSE_ERROR',
        });
        return Promise.reject(error);
      }
      return pool.query(sql, values as unknown[]) as Promise<[unknown, unknown]>;
    },
    getConnection: () => pool.getConnection(),
  };
  const store = mysqlStore({ pool: counted, table, deadLetterTable, logger: false });
  await store.migrate();
  cleanups.push(async () => {
    store.close?.();
    await pool.query(`DROP TABLE IF EXISTS ${table}, ${deadLetterTable}, ${table}_effects`);
    await pool.end();
  });
  // The first claim asks the server's version and checks the tables' engines: not counted.
  await store.claim(['warm-up'], { leaseMs: 30_000, owner: 'a' });
  sent.length = 0;
  return { store, sent };
}

if (await mysqlAvailable()) {
  describe('mysqlStore claims and completions', () => {
    it('on MariaDB a claim is one statement and a completion one, with the same answers as before', async () => {
      const { store, sent } = await countedStore();

      expect(await store.claim(['w1'], { leaseMs: 30_000, owner: 'a' })).toEqual([
        { status: 'claimed', attempt: 1 },
      ]);
      expect(sent).toHaveLength(1);
      expect(sent[0]).toMatch(/RETURNING/);

      sent.length = 0;
      expect(await store.complete(['w1'], { owner: 'a' })).toEqual({ refused: [] });
      expect(sent).toHaveLength(1); // no read of who else holds it: every row was updated

      sent.length = 0;
      expect(await store.claim(['w1', 'w2'], { leaseMs: 30_000, owner: 'b' })).toEqual([
        { status: 'done' },
        { status: 'claimed', attempt: 1 },
      ]);
      expect(await store.claim(['w2'], { leaseMs: 30_000, owner: 'c' })).toEqual([
        { status: 'busy' },
      ]);
      expect(sent).toHaveLength(2);

      // A completion by an owner that does not hold the id still reads who does, and is refused.
      sent.length = 0;
      expect(await store.complete(['w2'], { owner: 'c' })).toEqual({ refused: ['w2'] });
      expect(sent).toHaveLength(2);
      expect(await store.claim(['w2'], { leaseMs: 30_000, owner: 'c' })).toEqual([
        { status: 'busy' },
      ]);
    });

    it('a server that says MariaDB but refuses RETURNING: that claim is sent again in two statements, and so is every later one', async () => {
      const { store, sent } = await countedStore(/RETURNING/);

      expect(await store.claim(['x1'], { leaseMs: 30_000, owner: 'a' })).toEqual([
        { status: 'claimed', attempt: 1 },
      ]);
      expect(await store.claim(['x1'], { leaseMs: 30_000, owner: 'b' })).toEqual([
        { status: 'busy' },
      ]);
      expect(await store.complete(['x1'], { owner: 'a' })).toEqual({ refused: [] });
      expect(await store.claim(['x1'], { leaseMs: 30_000, owner: 'b' })).toEqual([
        { status: 'done' },
      ]);
      // The refused statement is not repeated: three claims of two statements each, one
      // completion, and only the warm-up's first claim had tried RETURNING.
      expect(sent.filter((sql) => /RETURNING/.test(sql))).toEqual([]);
      expect(sent).toHaveLength(7);
    });
  });
}
