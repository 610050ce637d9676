/**
 * Recipe: Prisma 7 (driver-adapter mode, `@prisma/adapter-pg`) inside ctx.transaction.
 *
 * Prisma's adapter owns its pool and opens its own connections, so a Prisma client cannot be
 * handed a connection the way Drizzle and Kysely can. `prismaOn(tx)` gives it a pool whose
 * every connection is `tx`: Prisma's single statements run on it directly, and Prisma's own
 * transactions (`$transaction`, nested writes) become savepoints inside the webhook's
 * transaction, so they commit with the webhook's record or not at all.
 *
 * It relies on how `@prisma/adapter-pg` uses the pool it is given (`query()` for statements,
 * `connect()` for Prisma's transactions), checked by this example's test against the
 * version pinned in package.json; re-run that test when upgrading Prisma.
 */
import type { PassfortWebhooks } from '@passfort-webhooks/core';
import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { PrismaClient } from './generated/prisma/client.js';

type QueryConfig = { text: string } & Record<string, unknown>;

/** Options of the Prisma recipe. */
export interface PrismaRecipeOptions {
  /** The Postgres schema of the app's tables (Prisma qualifies every table with it). @default 'public' */
  schema?: string;
}

/** A Prisma client whose every statement runs on `tx`; disconnect it when done. */
export function prismaOn(tx: pg.PoolClient, options: PrismaRecipeOptions = {}): PrismaClient {
  let savepoints = 0;
  // pg's Pool, as PrismaPg requires (it checks `instanceof pg.Pool`); it never connects.
  const pool = new pg.Pool({ max: 1 });
  pool.query = tx.query.bind(tx) as typeof pool.query;
  pool.connect = (async () => {
    const name = `prisma_${++savepoints}`;
    // Prisma's BEGIN / COMMIT / ROLLBACK, as savepoints of the transaction that is open.
    const asSavepoint = (text: string) =>
      text === 'BEGIN'
        ? `SAVEPOINT ${name}`
        : text === 'COMMIT'
          ? `RELEASE SAVEPOINT ${name}`
          : text === 'ROLLBACK'
            ? `ROLLBACK TO SAVEPOINT ${name}`
            : text;
    return {
      query: (config: string | QueryConfig, ...rest: unknown[]) =>
        typeof config === 'string'
          ? tx.query(asSavepoint(config), ...(rest as [unknown[]]))
          : tx.query({ ...config, text: asSavepoint(config.text) } as never),
      release: () => {},
      on: () => {},
      removeListener: () => {},
    };
  }) as unknown as typeof pool.connect;
  return new PrismaClient({
    adapter: new PrismaPg(pool, options.schema === undefined ? {} : { schema: options.schema }),
  });
}

export function onStatusChangedWithPrisma(
  webhooks: PassfortWebhooks<pg.PoolClient>,
  options: PrismaRecipeOptions = {},
): void {
  webhooks.on('PRODUCT_STATUS_CHANGED', async (event, ctx) => {
    const { application_id, new_status } = event.data;
    await ctx.transaction(async (tx) => {
      const prisma = prismaOn(tx, options);
      try {
        await prisma.$transaction([
          prisma.application.upsert({
            where: { id: application_id },
            create: { id: application_id, status: new_status },
            update: { status: new_status },
          }),
          prisma.statusChange.create({
            data: { webhookId: event.id, applicationId: application_id, status: new_status },
          }),
        ]);
      } finally {
        await prisma.$disconnect();
      }
    });
  });
}
