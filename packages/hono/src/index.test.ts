import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import type { PassfortWebhooks } from '@passfort-webhooks/core';
import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import {
  type AdapterVariant,
  describeAdapterCases,
  WEBHOOK_PATH,
} from '../../core/test/adapter-cases.js';
import { batch, bearer, SECRET } from '../../core/test/webhook-fixtures.js';
import { passfortWebhooks, passfortWebhooksApp } from './index.js';

function variant(mount: 'handler' | 'route', readsBodyFirst: boolean): AdapterVariant {
  return {
    name: `Hono on Node, ${mount === 'handler' ? 'app.all(path, handler)' : 'app.route(path, app)'}${readsBodyFirst ? ', body read by an earlier middleware' : ''}`,
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
}

describeAdapterCases(variant('handler', false));
describeAdapterCases(variant('route', false));
describeAdapterCases(variant('handler', true));

describe('passfortWebhooks(options)', () => {
  it('creates the receiver from options with a handlers map, for the one-line mount', async () => {
    const statuses: string[] = [];
    const app = new Hono();
    app.post(
      WEBHOOK_PATH,
      passfortWebhooks({
        secret: SECRET,
        on: { PRODUCT_STATUS_CHANGED: (event) => void statuses.push(event.data.new_status) },
      }),
    );
    const res = await app.request(WEBHOOK_PATH, {
      method: 'POST',
      body: JSON.stringify(batch(2)),
      headers: bearer(),
    });
    expect(res.status).toBe(200);
    expect(statuses).toEqual(['APPROVED', 'APPROVED']);
  });
});
