import { createPassfortWebhooks } from '@passfort-webhooks/core';
import { passfortWebhooks } from '@passfort-webhooks/hono';
import { Hono } from 'hono';

/** The same Hono app as on Node: the adapter and core use Web-standard APIs only. */
export function createApp(secret: string, seen: string[]) {
  const webhooks = createPassfortWebhooks({ secret });
  webhooks.on('CHECK_COMPLETED', (event) => {
    seen.push(`check ${event.data.check.id} for ${event.data.profile_id ?? '?'}`);
  });
  webhooks.on('PRODUCT_STATUS_CHANGED', (event) => {
    seen.push(`application ${event.data.application_id} is ${event.data.new_status}`);
  });
  const app = new Hono();
  app.get('/health', (c) => c.text('ok'));
  app.post('/webhooks/passfort', passfortWebhooks(webhooks));
  return app;
}
