// The Redis and Postgres clients of the store benchmarks, set up as the core README recommends,
// under names of this process's own, removed when the harness stops the server.
import { Redis } from 'ioredis';
import pg from 'pg';

export const name = `bench_${process.pid}`;

/** A Redis client, once connected: with the offline queue off, a command sent earlier fails. */
export async function redisClient() {
  const client = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    commandTimeout: 2_000,
  });
  cleanUpOnExit(async () => {
    // SCAN and UNLINK, not KEYS and DEL: KEYS blocks the shared Redis for as long as the
    // whole keyspace takes to walk, and the next server's requests time out meanwhile.
    for (const pattern of [`{${name}}*`, `${name}:*`]) {
      let cursor = '0';
      do {
        const [next, keys] = await client.scan(cursor, 'MATCH', pattern, 'COUNT', 5000);
        if (keys.length > 0) await client.unlink(...keys);
        cursor = next;
      } while (cursor !== '0');
    }
    client.disconnect();
  });
  if (client.status !== 'ready') await new Promise((resolve) => client.once('ready', resolve));
  return client;
}

export function postgresPool() {
  const pool = new pg.Pool({
    connectionString: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
    connectionTimeoutMillis: 2_000,
    query_timeout: 3_000,
  });
  cleanUpOnExit(async () => {
    await pool.query(
      `DROP TABLE IF EXISTS ${name}_ids, ${name}_dead, ${name}_ids_effects, ${name}_bare`,
    );
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
