/**
 * The example's receiver with a handler slower than Passfort's deadline and the lease, for
 * worker.test.ts: reached through the Hono adapter (`/hono`) and through core's
 * `webhooks.fetch(request, ctx)` (`/fetch`). `/runs` tells what the handlers started and finished.
 */
import { createPassfortWebhooks, type PassfortWebhooks } from '@passfort-webhooks/core';
import { passfortWebhooks } from '@passfort-webhooks/hono';
import { type ExecutionContext, Hono } from 'hono';
import { type DurableObjectNamespaceLike, durableObjectStore } from '../durable-object-store.js';

export { WebhookDedupeObject } from '../dedupe-object.js';

interface Env {
  PASSFORT_WEBHOOK_SECRET: string;
  DEDUPE: DurableObjectNamespaceLike;
}

/** How long the slow handler takes: past the deadline and several leases. */
const SLOW_HANDLER_MS = 1_500;

const started: string[] = [];
const finished: string[] = [];
let webhooks: PassfortWebhooks | undefined;
function receiver(env: Env): PassfortWebhooks {
  if (webhooks !== undefined) return webhooks;
  webhooks = createPassfortWebhooks({
    secret: env.PASSFORT_WEBHOOK_SECRET,
    store: durableObjectStore(env.DEDUPE),
    // A redelivery after 300 ms would take the claim over, unless the lease is renewed.
    leaseMs: 300,
    deadlineMs: { batch: 400, single: 400 },
    logger: false,
  });
  webhooks.on('CHECK_COMPLETED', async (event) => {
    started.push(event.id);
    await new Promise((resolve) => setTimeout(resolve, SLOW_HANDLER_MS));
    finished.push(event.id);
  });
  return webhooks;
}

const app = new Hono<{ Bindings: Env }>();
app.post('/hono', (c) => passfortWebhooks(receiver(c.env))(c, async () => {}));
app.get('/runs', (c) => c.json({ started, finished }));

export default {
  fetch(request: Request, env: Env, ctx: ExecutionContext) {
    const { pathname } = new URL(request.url);
    if (pathname === '/fetch') return receiver(env).fetch(request, ctx);
    if (pathname === '/fetch-without-ctx') return receiver(env).fetch(request);
    return app.fetch(request, env, ctx);
  },
};
