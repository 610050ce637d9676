import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import type { PassfortWebhooks } from '@passfort-webhooks/core';
import {
  type AdapterTarget,
  adapterConformanceCases,
  KIT_SECRET,
  kitBatch,
  kitHeaders,
} from '@passfort-webhooks/testing/conformance';
import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { passfortWebhooks, passfortWebhooksApp } from './index.js';

const WEBHOOK_PATH = '/webhooks/passfort';

/** Runs the public adapter kit against one Hono set-up on Node. */
function describeVariant(mount: 'handler' | 'route', readsBodyFirst: boolean): void {
  const target: AdapterTarget = {
    parsesBody: readsBodyFirst,
    start(webhooks: PassfortWebhooks) {
      const app = new Hono();
      if (readsBodyFirst) {
        app.use(async (c, next) => {
          if (c.req.method === 'POST') await c.req.text();
          await next();
        });
      }
      app.get('/health', (c) => c.text('ok'));
      if (mount === 'handler') app.all(WEBHOOK_PATH, passfortWebhooks(webhooks));
      else app.route(WEBHOOK_PATH, passfortWebhooksApp(webhooks));
      return new Promise((resolve) => {
        const server = serve(
          { fetch: app.fetch, port: 0, hostname: '127.0.0.1' },
          (info: AddressInfo) => {
            resolve({
              url: `http://127.0.0.1:${info.port}`,
              close: () => new Promise((done) => server.close(() => done())),
            });
          },
        );
      });
    },
  };
  const name = `Hono on Node, ${mount === 'handler' ? 'app.all(path, handler)' : 'app.route(path, app)'}${readsBodyFirst ? ', body read by an earlier middleware' : ''}`;
  describe(name, () => {
    for (const check of adapterConformanceCases(target)) it(check.name, check.run);
  });
}

describeVariant('handler', false);
describeVariant('route', false);
describeVariant('handler', true);

describe('passfortWebhooks(options)', () => {
  it('creates the receiver from options with a handlers map, for the one-line mount', async () => {
    const statuses: string[] = [];
    const app = new Hono();
    app.post(
      WEBHOOK_PATH,
      passfortWebhooks({
        secret: KIT_SECRET,
        on: { PRODUCT_STATUS_CHANGED: (event) => void statuses.push(event.data.new_status) },
      }),
    );
    const res = await app.request(WEBHOOK_PATH, {
      method: 'POST',
      body: JSON.stringify(kitBatch(2)),
      headers: kitHeaders(),
    });
    expect(res.status).toBe(200);
    expect(statuses).toEqual(['APPROVED', 'APPROVED']);
  });
});
