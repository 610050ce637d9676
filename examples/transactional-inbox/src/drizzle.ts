/**
 * Recipe: Drizzle ORM (node-postgres driver) inside ctx.transaction. `drizzle(tx)` wraps the
 * transaction's own connection, so every statement below commits with the webhook's record,
 * or none does.
 */
import type { PassfortWebhooks } from '@passfort-webhooks/core';
import { drizzle } from 'drizzle-orm/node-postgres';
import { bigserial, pgTable, text } from 'drizzle-orm/pg-core';
import type pg from 'pg';

export const applications = pgTable('applications', {
  id: text('id').primaryKey(),
  status: text('status').notNull(),
});

export const statusChanges = pgTable('status_changes', {
  seq: bigserial('seq', { mode: 'number' }).primaryKey(),
  webhookId: text('webhook_id').notNull(),
  applicationId: text('application_id').notNull(),
  status: text('status').notNull(),
});

export function onStatusChangedWithDrizzle(webhooks: PassfortWebhooks<pg.PoolClient>): void {
  webhooks.on('PRODUCT_STATUS_CHANGED', async (event, ctx) => {
    const { application_id, new_status } = event.data;
    await ctx.transaction(async (tx) => {
      const db = drizzle(tx);
      await db
        .insert(applications)
        .values({ id: application_id, status: new_status })
        .onConflictDoUpdate({ target: applications.id, set: { status: new_status } });
      await db
        .insert(statusChanges)
        .values({ webhookId: event.id, applicationId: application_id, status: new_status });
    });
  });
}
