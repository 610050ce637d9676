/**
 * The app every runtime test drives: the Hono adapter at /webhooks/passfort, plus control
 * routes so the cases can read which handlers ran, from any runtime, even inside workerd.
 * Runtime-neutral: Web-standard APIs only.
 */
import {
  type AnyPassfortEvent,
  createPassfortWebhooks,
  type PassfortWebhooks,
  type WebhookContext,
} from '@passfort-webhooks/core';
import { Hono } from 'hono';
import { passfortWebhooks } from '../../dist/index.js';

export const CASE_SECRET = 'runtime-case-secret';

interface Call {
  kind: 'specific' | 'any';
  id: string;
  event: string;
  index: number;
  validated: boolean;
}

export function createCaseApp(): Hono {
  let calls: Call[] = [];
  let failOnce = new Set<string>();
  let webhooks: PassfortWebhooks;

  function reset(options: { maxBodyBytes?: number }): void {
    calls = [];
    failOnce = new Set();
    webhooks = createPassfortWebhooks({ secret: CASE_SECRET, ...options });
    const record = (kind: Call['kind']) => (event: AnyPassfortEvent, ctx: WebhookContext) => {
      if (failOnce.has(event.id) && ctx.attempt === 1) throw new Error('injected failure');
      calls.push({
        kind,
        id: event.id,
        event: event.event,
        index: ctx.index,
        validated: ctx.validated,
      });
    };
    webhooks.on('PRODUCT_STATUS_CHANGED', record('specific'));
    webhooks.onAny(record('any'));
  }
  reset({});

  const app = new Hono();
  app.post('/__reset', async (c) => {
    reset(await c.req.json());
    return c.json({ ok: true });
  });
  app.post('/__fail-once', async (c) => {
    failOnce = new Set(((await c.req.json()) as { ids: string[] }).ids);
    return c.json({ ok: true });
  });
  app.get('/__calls', (c) => c.json(calls));
  app.all('/webhooks/passfort', (c) => passfortWebhooks(webhooks)(c, async () => {}));
  return app;
}
