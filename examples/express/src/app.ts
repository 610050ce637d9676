import {
  createPassfortWebhooks,
  type PassfortWebhooksOptions,
  type ProductStatus,
} from '@passfort-webhooks/core';
import type { DedupeStore } from '@passfort-webhooks/core/store';
import { passfortWebhooks } from '@passfort-webhooks/express';
import express from 'express';

/** Stands in for the app's own database. */
export interface Database {
  applicationStatus: Map<string, ProductStatus>;
  checksToFetch: string[];
}

/**
 * An existing Express app, with Passfort webhooks added in one line. `options.store` is the
 * dedupe store: server.ts passes the SQLite file store (store.ts). Without one the receiver
 * keeps ids in memory, which is for tests and ephemeral use only: a restart forgets them.
 */
export function createApp<S extends DedupeStore = DedupeStore>(
  secret: string,
  db: Database,
  options: Partial<PassfortWebhooksOptions<S>> = {},
) {
  const webhooks = createPassfortWebhooks<S>({ secret, ...options });
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
