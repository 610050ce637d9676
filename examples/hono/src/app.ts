import {
  createPassfortWebhooks,
  type PassfortWebhooksOptions,
  type ProductStatus,
} from '@passfort-webhooks/core';
import { passfortWebhooks } from '@passfort-webhooks/hono';
import { Hono } from 'hono';

/** Stands in for the app's own database. */
export interface Database {
  applicationStatus: Map<string, ProductStatus>;
  changedProfiles: Set<string>;
}

/** An existing Hono app, with Passfort webhooks added in one line. */
export function createApp(
  secret: string,
  db: Database,
  options: Partial<PassfortWebhooksOptions> = {},
) {
  const webhooks = createPassfortWebhooks({ secret, ...options });
  webhooks.on('PRODUCT_STATUS_CHANGED', (event) => {
    db.applicationStatus.set(event.data.application_id, event.data.new_status);
  });
  webhooks.on('COLLECTED_DATA_CHANGED', (event) => {
    db.changedProfiles.add(event.data.profile_id);
  });

  const app = new Hono();
  app.get('/health', (c) => c.text('ok'));
  app.post('/webhooks/passfort', passfortWebhooks(webhooks)); // the one line
  return { app, webhooks };
}
