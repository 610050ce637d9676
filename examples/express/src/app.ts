import {
  createPassfortWebhooks,
  type PassfortWebhooksOptions,
  type ProductStatus,
} from '@passfort-webhooks/core';
import { passfortWebhooks } from '@passfort-webhooks/express';
import express from 'express';

/** Stands in for the app's own database. */
export interface Database {
  applicationStatus: Map<string, ProductStatus>;
  checksToFetch: string[];
}

/** An existing Express app, with Passfort webhooks added in one line. */
export function createApp(
  secret: string,
  db: Database,
  options: Partial<PassfortWebhooksOptions> = {},
) {
  const webhooks = createPassfortWebhooks({ secret, ...options });
  webhooks.on('PRODUCT_STATUS_CHANGED', (event) => {
    db.applicationStatus.set(event.data.application_id, event.data.new_status);
  });
  webhooks.on('CHECK_COMPLETED', (event) => {
    // Its results: GET /profiles/{profile_id}/checks/{check.id}.
    db.checksToFetch.push(`${event.data.profile_id}/${event.data.check.id}`);
  });

  const app = express();
  // The app's own body parser can stay; give it room for a batch of 100 webhooks.
  app.use(express.json({ limit: '10mb' }));
  app.get('/health', (_req, res) => {
    res.send('ok');
  });
  app.use(passfortWebhooks(webhooks, { path: '/webhooks/passfort' })); // the one line
  return { app, webhooks };
}
