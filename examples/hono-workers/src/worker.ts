/**
 * A Cloudflare Worker receiving Passfort webhooks with the Hono adapter, remembering handled
 * ids in a Durable Object so every isolate of the Worker shares them.
 */
import { createPassfortWebhooks, type PassfortWebhooks } from '@passfort-webhooks/core';
import { passfortWebhooks } from '@passfort-webhooks/hono';
import { Hono } from 'hono';
import { type DurableObjectNamespaceLike, durableObjectStore } from './durable-object-store.js';

export { WebhookDedupeObject } from './dedupe-object.js';

interface Env {
  PASSFORT_WEBHOOK_SECRET: string;
  DEDUPE: DurableObjectNamespaceLike;
}

// One receiver per isolate, made on the first request, when the bindings are known.
let webhooks: PassfortWebhooks | undefined;
const handled: string[] = [];
function receiver(env: Env): PassfortWebhooks {
  if (webhooks === undefined) {
    webhooks = createPassfortWebhooks({
      secret: env.PASSFORT_WEBHOOK_SECRET,
      store: durableObjectStore(env.DEDUPE),
      exposeStatus: true,
    });
    webhooks.on('PRODUCT_STATUS_CHANGED', (event) => {
      handled.push(`${event.id} ${event.data.new_status}`);
    });
  }
  return webhooks;
}

const app = new Hono<{ Bindings: Env }>();
app.get('/health', (c) => c.text('ok'));
app.all('/webhooks/passfort', (c) => passfortWebhooks(receiver(c.env))(c, async () => {}));
// For the example's test: what the handlers did in this isolate.
app.get('/handled', (c) => c.json(handled));

export default app;
