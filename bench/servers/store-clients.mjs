// The Redis and Postgres clients of the store benchmarks, set up as the core README recommends,
// under names of this process's own, removed when the harness stops the server.
import { Redis } from 'ioredis';
import pg from 'pg';

export const name = `bench_${process.pid}`;

export function redisClient() {
  const client = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    commandTimeout: 2_000,
  });
  cleanUpOnExit(async () => {
    for (const pattern of [`{${name}}*`, `${name}:*`]) {
      const keys = await client.keys(pattern);
      for (let i = 0; i < keys.length; i += 1000) await client.del(...keys.slice(i, i + 1000));
    }
    client.disconnect();
  });
  return client;
}

export function postgresPool() {
  const pool = new pg.Pool({
    connectionString: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
    connectionTimeoutMillis: 2_000,
    query_timeout: 3_000,
  });
  cleanUpOnExit(async () => {
    await pool.query(`DROP TABLE IF EXISTS ${name}_ids, ${name}_dead, ${name}_bare`);
    await pool.end();
  });
  return pool;
}

function cleanUpOnExit(cleanup) {
  process.once('SIGTERM', () => {
    // The last slice's requests may still be running: let them finish before removing data.
    setTimeout(() => cleanup().finally(() => process.exit(0)), 1_000);
  });
}
