import { createPassfortWebhooks } from '@passfort-webhooks/core';
import { passfortWebhooks } from '@passfort-webhooks/hono';
import { Hono } from 'hono';

/** The same Hono app as on Node and Bun: the adapter and core use Web-standard APIs only. */
export function createApp(secret: string, seen: string[]) {
  const webhooks = createPassfortWebhooks({ secret });
  webhooks.on(['RISK_LEVEL_CHANGED', 'RISK_SCORE_CHANGED'], (event) => {
    seen.push(`${event.event} for ${event.data.profile_id ?? '?'}`);
  });
  webhooks.on('COLLECTED_DATA_CHANGED', (event, ctx) => {
    seen.push(`profile ${event.data.profile_id}: ${ctx.changes.length} changes`);
  });
  const app = new Hono();
  app.get('/health', (c) => c.text('ok'));
  app.post('/webhooks/passfort', passfortWebhooks(webhooks));
  return app;
}
