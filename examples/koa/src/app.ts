import { bodyParser } from '@koa/bodyparser';
import {
  createPassfortWebhooks,
  type PassfortWebhooksOptions,
  type ProductStatus,
} from '@passfort-webhooks/core';
import { passfortWebhooks } from '@passfort-webhooks/koa';
import Koa from 'koa';

/** Stands in for the app's own database. */
export interface Database {
  applicationStatus: Map<string, ProductStatus>;
  riskLevels: Map<string, number>;
}

/** An existing Koa app, with Passfort webhooks added in one line. */
export function createApp(
  secret: string,
  db: Database,
  options: Partial<PassfortWebhooksOptions> = {},
) {
  const webhooks = createPassfortWebhooks({ secret, ...options });
  webhooks.on('PRODUCT_STATUS_CHANGED', (event) => {
    db.applicationStatus.set(event.data.application_id, event.data.new_status);
  });
  webhooks.on(['RISK_LEVEL_CHANGED', 'RISK_SCORE_CHANGED'], (event) => {
    const key = event.data.profile_id ?? 'unknown-profile';
    db.riskLevels.set(key, (db.riskLevels.get(key) ?? 0) + 1);
  });

  const app = new Koa();
  // The app's own body parser can stay; give it room for a batch of 100 webhooks.
  app.use(bodyParser({ jsonLimit: '10mb' }));
  app.use(async (ctx, next) => {
    if (ctx.path === '/health') ctx.body = 'ok';
    else await next();
  });
  app.use(passfortWebhooks(webhooks, { path: '/webhooks/passfort' })); // the one line
  return { app, webhooks };
}
