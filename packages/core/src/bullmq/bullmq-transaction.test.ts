/**
 * BullMQ workers with the Postgres store: ctx.transaction on the worker's side. A webhook
 * whose transaction fails on its first attempt is retried by the worker in place; every
 * effect row exists once, in Passfort's order, and a redelivery enqueues nothing new.
 */
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import {
  DATABASE_URL,
  postgresAvailable,
  REDIS_URL,
  redisAvailable,
  uniqueName,
} from '../../test/services.js';
import { batch, bearer, SECRET } from '../../test/webhook-fixtures.js';
import { createPassfortWebhooks } from '../create-passfort-webhooks.js';
import { createWorker } from '../create-worker.js';
import { postgresStore } from '../postgres/postgres-dedupe-store.js';
import { bullmqQueue } from './bullmq-queue.js';

const redisUrl = new URL(REDIS_URL);
const connection = { host: redisUrl.hostname, port: Number(redisUrl.port || 6379) };

if ((await redisAvailable()) && (await postgresAvailable())) {
  describe('createWorker on BullMQ with the Postgres store', () => {
    it('runs each webhook’s transaction to one committed effect, retrying a failed one in place', async () => {
      const pool = new pg.Pool({ connectionString: DATABASE_URL, max: 6 });
      const table = uniqueName('pfw_bq_ids');
      const effects = uniqueName('pfw_bq_effects');
      const name = uniqueName('pfw-bq-tx');
      const store = postgresStore({ pool, table, deadLetterTable: `${table}_dead`, logger: false });
      const receiverQueue = bullmqQueue({ connection, name });
      const workerQueue = bullmqQueue({ connection, name });
      const webhooks = createPassfortWebhooks({
        secret: SECRET,
        delivery: 'queue',
        queue: receiverQueue,
        consume: false,
        store,
        logger: false,
      });
      const worker = createWorker({ queue: workerQueue, store, retryDelayMs: 50, logger: false });
      try {
        await store.migrate();
        await pool.query(
          `CREATE TABLE ${effects} (seq bigserial PRIMARY KEY, webhook_id text NOT NULL)`,
        );
        const payload = batch(6);
        const failOnce = payload[2]!.id;
        const attempts: string[] = [];
        worker.onAny(async (event, ctx) => {
          attempts.push(`${event.id}#${ctx.attempt}`);
          await ctx.transaction(async (tx) => {
            await tx.query(`INSERT INTO ${effects} (webhook_id) VALUES ($1)`, [event.id]);
            if (event.id === failOnce && ctx.attempt === 1) throw new Error('deadlock, try again');
          });
        });
        await worker.start();
        const send = () =>
          webhooks.handle({ method: 'POST', headers: bearer(), body: JSON.stringify(payload) });
        expect((await send()).status).toBe(200);
        const read = async () =>
          (await pool.query(`SELECT webhook_id FROM ${effects} ORDER BY seq`)).rows.map(
            (row) => row.webhook_id as string,
          );
        for (let tries = 0; tries < 200 && (await read()).length < 6; tries++) {
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
        expect((await send()).counts).toMatchObject({ duplicates: 6, queued: 0 });
        await new Promise((resolve) => setTimeout(resolve, 300)); // a double would show up here
        expect(await read()).toEqual(payload.map((webhook) => webhook.id));
        expect(attempts.filter((attempt) => attempt.startsWith(failOnce))).toEqual([
          `${failOnce}#1`,
          `${failOnce}#2`,
        ]);
      } finally {
        await worker.close();
        await webhooks.close();
        await receiverQueue.close();
        await pool.query(
          `DROP TABLE IF EXISTS ${table}, ${table}_dead, ${table}_effects, ${effects}`,
        );
        await store.close?.();
        await pool.end();
        const { Redis } = await import('ioredis');
        const client = new Redis(REDIS_URL);
        const keys = await client.keys(`bull:${name}*`);
        if (keys.length > 0) await client.del(...keys);
        client.disconnect();
      }
    }, 30_000);
  });
}
