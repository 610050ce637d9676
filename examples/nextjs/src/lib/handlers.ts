import type { PassfortEvent, WebhookContext } from '@passfort-webhooks/core';
import type pg from 'pg';

/** The app's own table, written in the same transaction as the webhook's record. */
export const APPLICATIONS_SQL = `CREATE TABLE IF NOT EXISTS applications (
  id text PRIMARY KEY,
  status text NOT NULL,
  webhook_id text NOT NULL
)`;

export async function onProductStatusChanged(
  event: PassfortEvent<'PRODUCT_STATUS_CHANGED'>,
  ctx: WebhookContext<pg.PoolClient>,
): Promise<void> {
  const { application_id, new_status } = event.data;
  await ctx.transaction(async (tx) => {
    await tx.query(
      `INSERT INTO applications (id, status, webhook_id) VALUES ($1, $2, $3)
       ON CONFLICT (id) DO UPDATE SET status = EXCLUDED.status, webhook_id = EXCLUDED.webhook_id`,
      [application_id, new_status, event.id],
    );
  });
}
