import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { bodyParser } from '@koa/bodyparser';
import type { PassfortWebhooks } from '@passfort-webhooks/core';
import Koa3 from 'koa';
import Koa2 from 'koa2';
import { describe, expect, it } from 'vitest';
import {
  type AdapterVariant,
  describeAdapterCases,
  WEBHOOK_PATH,
} from '../../core/test/adapter-cases.js';
import { httpRequest } from '../../core/test/http-request.js';
import { batch, bearer, SECRET } from '../../core/test/webhook-fixtures.js';
import { passfortWebhooks } from './index.js';

function variant(name: string, Koa: typeof Koa3, withBodyParser: boolean): AdapterVariant {
  return {
    name: `${name}, ${withBodyParser ? '@koa/bodyparser' : 'no body parser'}`,
    parsesBody: withBodyParser,
    start(webhooks: PassfortWebhooks) {
      const app = new Koa();
      app.silent = true;
      if (withBodyParser) {
        app.use(
          bodyParser({
            jsonLimit: '10mb',
            formLimit: '10mb',
            enableTypes: ['json', 'form', 'text'],
          }),
        );
      }
      app.use(async (ctx, next) => {
        if (ctx.path === '/health') ctx.body = 'ok';
        else await next();
      });
      app.use(passfortWebhooks(webhooks, { path: WEBHOOK_PATH }));
      const server = createServer(app.callback());
      return new Promise((resolve) => {
        server.listen(0, '127.0.0.1', () => {
          const { port } = server.address() as AddressInfo;
          resolve({
            url: `http://127.0.0.1:${port}`,
            close: () => new Promise((done) => server.close(() => done())),
          });
        });
      });
    },
  };
}

for (const [name, Koa] of [
  ['Koa 3', Koa3],
  ['Koa 2', Koa2],
] as const) {
  describeAdapterCases(variant(name, Koa, false));
  describeAdapterCases(variant(name, Koa, true));
}

describe('passfortWebhooks(options)', () => {
  it('creates the receiver from options with a handlers map, for the one-line mount', async () => {
    const statuses: string[] = [];
    const app = new Koa3();
    app.use(
      passfortWebhooks(
        {
          secret: SECRET,
          on: { PRODUCT_STATUS_CHANGED: (event) => void statuses.push(event.data.new_status) },
        },
        { path: WEBHOOK_PATH },
      ),
    );
    const server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    const { port } = server.address() as AddressInfo;
    const res = await httpRequest(`http://127.0.0.1:${port}${WEBHOOK_PATH}`, {
      body: JSON.stringify(batch(2)),
      headers: bearer(),
    });
    server.close();
    expect(res.status).toBe(200);
    expect(statuses).toEqual(['APPROVED', 'APPROVED']);
  });
});
