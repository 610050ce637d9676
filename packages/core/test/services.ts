/**
 * Reaching the real Redis, PostgreSQL and MySQL/MariaDB servers tests use. Without them, those tests skip
 * with a one-line reason; under CI=true a missing service fails the run instead.
 */
import { Redis } from 'ioredis';
import { Redis as Redis6 } from 'ioredis6';
import mysql from 'mysql2/promise';
import pg from 'pg';

export const REDIS_URL = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';
export const MYSQL_URL = process.env['MYSQL_URL'] ?? 'mysql://root@127.0.0.1:3306/test';
export const DATABASE_URL =
  process.env['DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';

async function reachable(
  name: string,
  url: string,
  probe: () => Promise<unknown>,
): Promise<boolean> {
  try {
    await probe();
    return true;
  } catch (error) {
    const reason = `${name} is not reachable at ${url.replace(/\/\/[^@]*@/, '//')}: ${(error as Error).message}`;
    if (process.env['CI'] === 'true') throw new Error(`${reason} (required under CI=true)`);
    console.warn(`skipping ${name} tests: ${reason}`);
    return false;
  }
}

export function redisAvailable(): Promise<boolean> {
  return reachable('Redis', REDIS_URL, async () => {
    const client = new Redis(REDIS_URL, {
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      connectTimeout: 1000,
    });
    try {
      await client.connect();
      await client.ping();
    } finally {
      client.disconnect();
    }
  });
}

export function postgresAvailable(): Promise<boolean> {
  return reachable('PostgreSQL', DATABASE_URL, async () => {
    const client = new pg.Client({ connectionString: DATABASE_URL, connectionTimeoutMillis: 1000 });
    try {
      await client.connect();
      await client.query('SELECT 1');
    } finally {
      await client.end().catch(() => {});
    }
  });
}

export function mysqlAvailable(): Promise<boolean> {
  return reachable('MySQL/MariaDB', MYSQL_URL, async () => {
    const connection = await mysql.createConnection({ uri: MYSQL_URL, connectTimeout: 1000 });
    try {
      await connection.query('SELECT 1');
    } finally {
      await connection.end().catch(() => {});
    }
  });
}

/** A name unique to this test run, for keys and tables. */
export function uniqueName(prefix: string): string {
  return `${prefix}_${process.pid}_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
}

/**
 * Both ends of the ioredis peer range (`^5 || ^6`): every Redis test runs with each, so a
 * client of either major is known to work, not assumed to.
 */
export const ioredisMajors = [
  { name: 'ioredis 5', Redis },
  { name: 'ioredis 6', Redis: Redis6 as unknown as typeof Redis },
] as const;
