/**
 * The receiver, created once per server instance, on the first request rather than at import:
 * not for the secret (a receiver may be created before its secret is set, e.g. during
 * `next build`), but so that building the app opens no database pool. A route module can be evaluated more than
 * once in development (hot reload), so the receiver and its pool live on `globalThis`: a
 * second receiver would open a second pool and register handlers twice.
 *
 * The store is Postgres, not the memory store: serverless platforms run many instances and
 * recycle them, and a memory store would forget, per instance, which webhooks were handled.
 */
import { createPassfortWebhooks, type PassfortWebhooks } from '@passfort-webhooks/core';
import { postgresStore } from '@passfort-webhooks/core/postgres';
import pg from 'pg';
import { onProductStatusChanged } from './handlers';

type Receiver = PassfortWebhooks<pg.PoolClient>;

const cache = globalThis as typeof globalThis & {
  passfortWebhooks?: Receiver;
  passfortPool?: pg.Pool;
};

export function database(): pg.Pool {
  cache.passfortPool ??= new pg.Pool({
    connectionString: process.env['DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test',
    // Fail fast rather than wait past Passfort's deadline (see the core README).
    connectionTimeoutMillis: 2_000,
    query_timeout: 3_000,
    // Serverless: few connections per instance.
    max: 3,
  });
  return cache.passfortPool;
}

export function passfortWebhooks(): Receiver {
  if (cache.passfortWebhooks === undefined) {
    // Not needed before the first request: without it the receiver answers 500 and logs why.
    const secret = process.env['PASSFORT_WEBHOOK_SECRET'] as string;
    const webhooks = createPassfortWebhooks({ secret, store: postgresStore({ pool: database() }) });
    webhooks.on('PRODUCT_STATUS_CHANGED', onProductStatusChanged);
    cache.passfortWebhooks = webhooks;
  }
  return cache.passfortWebhooks;
}
