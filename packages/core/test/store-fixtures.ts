/** Each dedupe store over its real backend, fresh and isolated per call, for end-to-end tests. */

import { memoryStore } from '@passfort-webhooks/core';
import { mysqlStore } from '@passfort-webhooks/core/mysql';
import { postgresStore } from '@passfort-webhooks/core/postgres';
import { redisStore } from '@passfort-webhooks/core/redis';
import type { DedupeStore } from '@passfort-webhooks/core/store';
import { Redis } from 'ioredis';
import mysql from 'mysql2/promise';
import pg from 'pg';
import {
  DATABASE_URL,
  MYSQL_URL,
  mysqlAvailable,
  postgresAvailable,
  REDIS_URL,
  redisAvailable,
  uniqueName,
} from './services.js';

export interface OpenedStore {
  store: DedupeStore;
  cleanup(): Promise<void>;
}

export interface StoreKind {
  name: string;
  open(): Promise<OpenedStore>;
}

/**
 * The stores whose backend is reachable (under CI=true, all of them or a failure). MySQL is
 * included when asked for (`{ mysql: true }`).
 */
export async function availableStores(
  include: { readonly mysql?: boolean } = {},
): Promise<StoreKind[]> {
  const kinds: StoreKind[] = [
    { name: 'memory store', open: async () => ({ store: memoryStore(), cleanup: async () => {} }) },
  ];
  if (await redisAvailable()) {
    kinds.push({
      name: 'Redis store',
      async open() {
        const client = new Redis(REDIS_URL);
        const prefix = uniqueName('pfw-e2e');
        return {
          store: redisStore({ client, prefix }),
          async cleanup() {
            const keys = await client.keys(`{${prefix}}:*`);
            if (keys.length > 0) await client.del(...keys);
            client.disconnect();
          },
        };
      },
    });
  }
  if (await postgresAvailable()) {
    kinds.push({
      name: 'Postgres store',
      async open() {
        const pool = new pg.Pool({ connectionString: DATABASE_URL, max: 4 });
        const table = uniqueName('pfw_e2e');
        const store = postgresStore({ pool, table, deadLetterTable: `${table}_dead` });
        await store.migrate();
        return {
          store,
          async cleanup() {
            await store.close?.();
            await pool.query(`DROP TABLE IF EXISTS ${table}, ${table}_dead, ${table}_effects`);
            await pool.end();
          },
        };
      },
    });
  }
  if (include.mysql === true && (await mysqlAvailable())) {
    kinds.push({
      name: 'MySQL store',
      async open() {
        const pool = mysql.createPool({ uri: MYSQL_URL, connectionLimit: 4 });
        const table = uniqueName('pfw_e2e');
        const store = mysqlStore({ pool, table, deadLetterTable: `${table}_dead`, logger: false });
        await store.migrate();
        return {
          store,
          async cleanup() {
            await store.close?.();
            await pool.query(`DROP TABLE IF EXISTS ${table}, ${table}_dead, ${table}_effects`);
            await pool.end();
          },
        };
      },
    });
  }
  return kinds;
}
