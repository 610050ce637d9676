import { createClient } from '@libsql/client';
import { libsqlDriver, sqliteStore } from '@passfort-webhooks/core/sqlite';

/**
 * The dedupe store: a SQLite file, so the ids already handled survive a restart or a deploy
 * (the memory store forgets them, and Passfort's redelivery of an in-flight batch would run
 * its handlers again). libsql needs no C++ toolchain: its binaries come from npm.
 *
 * To use Postgres or Redis instead, replace the `sqliteStore(…)` line with one of these (and
 * `pnpm add pg` or `pnpm add ioredis`):
 *   postgresStore({ pool: new pg.Pool({ connectionString: process.env.DATABASE_URL }) })  // '@passfort-webhooks/core/postgres'
 *   redisStore({ client: new Redis(process.env.REDIS_URL!) })                            // '@passfort-webhooks/core/redis'
 */
export async function openStore(file = process.env['WEBHOOKS_DB'] ?? 'webhooks.db') {
  const client = createClient({ url: `file:${file}` });
  const driver = libsqlDriver({ client });
  const store = sqliteStore({ driver });
  await store.migrate(); // WAL, and the tables if they do not exist yet
  return { store, driver, client };
}
