/**
 * Our side: `webhooks.handle()` on the Postgres or MySQL store, whose handler inserts the same
 * business row in `ctx.transaction` at the isolation level measured.
 */
import { createPassfortWebhooks } from '@passfort-webhooks/core';
import { mysqlStore } from '@passfort-webhooks/core/mysql';
import { postgresStore } from '@passfort-webhooks/core/postgres';
import type { TransactionIsolation } from '@passfort-webhooks/core/store';
import { countedMysqlPool, countedPgPool } from './counted-pools.js';
import { headers, SECRET, type Side } from './settings.js';

export async function oursPg(table: string, isolation: TransactionIsolation): Promise<Side> {
  const { pool, trips } = countedPgPool();
  const store = postgresStore({
    pool,
    table: `${table}_ids`,
    deadLetterTable: `${table}_dead`,
    logger: false,
    pruneIntervalMs: 0,
  });
  await store.migrate();
  const webhooks = createPassfortWebhooks({ secret: SECRET, store, logger: false });
  webhooks.on('CHECK_COMPLETED', async (event, ctx) => {
    await ctx.transaction(
      async (tx) => {
        await tx.query(`INSERT INTO ${table} (webhook_id, decision) VALUES ($1, $2)`, [
          event.id,
          'PASS',
        ]);
      },
      { isolation },
    );
  });
  return {
    name: `ctx.transaction (${isolation})`,
    trips,
    async handle(text) {
      return (await webhooks.handle({ method: 'POST', headers, body: text })).status;
    },
    async close() {
      await webhooks.close();
      store.close();
      await pool.end();
    },
  };
}

export async function oursMysql(table: string, isolation: TransactionIsolation): Promise<Side> {
  const { pool, trips } = countedMysqlPool();
  const store = mysqlStore({
    pool,
    table: `${table}_ids`,
    deadLetterTable: `${table}_dead`,
    logger: false,
    pruneIntervalMs: 0,
  });
  await store.migrate();
  const webhooks = createPassfortWebhooks({ secret: SECRET, store, logger: false });
  webhooks.on('CHECK_COMPLETED', async (event, ctx) => {
    await ctx.transaction(
      async (tx) => {
        await tx.query(`INSERT INTO ${table} (webhook_id, decision) VALUES (?, ?)`, [
          event.id,
          'PASS',
        ]);
      },
      { isolation },
    );
  });
  return {
    name: `ctx.transaction (${isolation})`,
    trips,
    async handle(text) {
      return (await webhooks.handle({ method: 'POST', headers, body: text })).status;
    },
    async close() {
      await webhooks.close();
      store.close();
      await pool.end();
    },
  };
}
