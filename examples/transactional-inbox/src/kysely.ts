/**
 * Recipe: Kysely inside ctx.transaction. Kysely's PostgresDialect takes a pool; the one below
 * hands out the transaction's own connection and ignores Kysely's release (ctx.transaction
 * returns the connection after its commit), so every statement commits with the webhook's
 * record, or none does.
 */
import type { PassfortWebhooks } from '@passfort-webhooks/core';
import { type Generated, Kysely, PostgresDialect, type PostgresPool } from 'kysely';
import type pg from 'pg';

export interface Database {
  applications: { id: string; status: string };
  status_changes: {
    seq: Generated<string>;
    webhook_id: string;
    application_id: string;
    status: string;
  };
}

/** A Kysely instance whose every query runs on `tx`. Cheap: it opens no connection. */
export function kyselyOn(tx: pg.PoolClient): Kysely<Database> {
  // Every form of query Kysely uses (statements, cursors for streaming) goes to tx itself.
  const client = { query: tx.query.bind(tx), release: () => {} };
  const pool = { connect: async () => client, end: async () => {} };
  // pg's result types `command` as string where Kysely's lists verbs: the same objects.
  return new Kysely<Database>({
    dialect: new PostgresDialect({ pool: pool as unknown as PostgresPool }),
  });
}

export function onStatusChangedWithKysely(webhooks: PassfortWebhooks<pg.PoolClient>): void {
  webhooks.on('PRODUCT_STATUS_CHANGED', async (event, ctx) => {
    const { application_id, new_status } = event.data;
    await ctx.transaction(async (tx) => {
      const db = kyselyOn(tx);
      await db
        .insertInto('applications')
        .values({ id: application_id, status: new_status })
        .onConflict((conflict) => conflict.column('id').doUpdateSet({ status: new_status }))
        .execute();
      await db
        .insertInto('status_changes')
        .values({ webhook_id: event.id, application_id, status: new_status })
        .execute();
    });
  });
}
