/**
 * Round trips counted at the driver, the same way for both sides: every `query` or `execute`
 * sent on the pool or on a connection taken from it (mysql2's `beginTransaction`, `commit`
 * and `rollback` among them: a multi-statement string sent at once is one trip).
 */
import mysql from 'mysql2/promise';
import pg from 'pg';
import { DATABASE_URL, IN_FLIGHT, MYSQL_URL } from './settings.js';

function countCalls<T extends object>(target: T, methods: readonly string[], count: () => void): T {
  for (const method of methods) {
    const original = (target as Record<string, unknown>)[method];
    if (typeof original !== 'function') continue;
    (target as Record<string, unknown>)[method] = function (this: unknown, ...args: unknown[]) {
      count();
      return (original as (...a: unknown[]) => unknown).apply(this, args);
    };
  }
  return target;
}

export function countedPgPool(): { pool: pg.Pool; trips: () => number } {
  let trips = 0;
  const pool = new pg.Pool({ connectionString: DATABASE_URL, max: IN_FLIGHT });
  const seen = new WeakSet<object>();
  // Every pool.query, and every query of a client the pool hands out, goes through Client#query.
  pool.on('connect', (client) => {
    if (seen.has(client)) return;
    seen.add(client);
    countCalls(client, ['query'], () => trips++);
  });
  return { pool, trips: () => trips };
}

export function countedMysqlPool(): { pool: mysql.Pool; trips: () => number } {
  let trips = 0;
  const pool = mysql.createPool({ uri: MYSQL_URL, connectionLimit: IN_FLIGHT });
  const seen = new WeakSet<object>();
  // The promise pool's query runs on a core connection: count at the core connection, once.
  (pool as unknown as { pool: { on(e: string, l: (c: object) => void): void } }).pool.on(
    'connection',
    (connection) => {
      if (seen.has(connection)) return;
      seen.add(connection);
      // beginTransaction, commit and rollback are sent through query: not counted twice.
      countCalls(connection, ['query', 'execute'], () => {
        trips++;
      });
    },
  );
  return { pool, trips: () => trips };
}
