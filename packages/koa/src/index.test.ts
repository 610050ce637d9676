import { createServer } from 'node:http';
import { bodyParser } from '@koa/bodyparser';
import type { PassfortWebhooks } from '@passfort-webhooks/core';
import {
  type AdapterTarget,
  adapterConformanceCases,
  httpRequest,
  KIT_SECRET,
  kitBatch,
  kitHeaders,
  listenOnLoopback,
} from '@passfort-webhooks/testing/conformance';
import Koa3 from 'koa';
import Koa2 from 'koa2';
import { describe, expect, it } from 'vitest';
import { passfortWebhooks } from './index.js';

const WEBHOOK_PATH = '/webhooks/passfort';

/** Runs the public adapter kit against one Koa set-up. */
function describeVariant(name: string, Koa: typeof Koa3, withBodyParser: boolean): void {
  const target: AdapterTarget = {
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
      return listenOnLoopback(createServer(app.callback()));
    },
  };
  describe(`${name}, ${withBodyParser ? '@koa/bodyparser' : 'no body parser'}`, () => {
    for (const check of adapterConformanceCases(target)) it(check.name, check.run);
  });
}

for (const [name, Koa] of [
  ['Koa 3', Koa3],
  ['Koa 2', Koa2],
] as const) {
  describeVariant(name, Koa, false);
  describeVariant(name, Koa, true);
}

describe('passfortWebhooks(options)', () => {
  it('creates the receiver from options with a handlers map, for the one-line mount', async () => {
    const statuses: string[] = [];
    const app = new Koa3();
    app.use(
      passfortWebhooks(
        {
          secret: KIT_SECRET,
          on: { PRODUCT_STATUS_CHANGED: (event) => void statuses.push(event.data.new_status) },
        },
        { path: WEBHOOK_PATH },
      ),
    );
    const server = await listenOnLoopback(createServer(app.callback()));
    const res = await httpRequest(`${server.url}${WEBHOOK_PATH}`, {
      body: JSON.stringify(kitBatch(2)),
      headers: kitHeaders(),
    });
    await server.close();
    expect(res.status).toBe(200);
    expect(statuses).toEqual(['APPROVED', 'APPROVED']);
  });
});

describe('the 200 answer through Koa', () => {
  for (const [name, Koa] of [
    ['Koa 3', Koa3],
    ['Koa 2', Koa2],
  ] as const) {
    async function deliver(app: Koa3): Promise<Awaited<ReturnType<typeof httpRequest>>> {
      const server = await listenOnLoopback(createServer(app.callback()));
      try {
        return await httpRequest(`${server.url}${WEBHOOK_PATH}`, {
          body: JSON.stringify(kitBatch(1)),
          headers: kitHeaders(),
        });
      } finally {
        await server.close();
      }
    }

    it(`${name}: is empty and typed as Koa types an empty string body`, async () => {
      const app = new Koa();
      app.use(passfortWebhooks({ secret: KIT_SECRET }, { path: WEBHOOK_PATH }));
      const res = await deliver(app);
      expect(res.status).toBe(200);
      expect(res.text).toBe('');
      expect(res.headers['content-type']).toBe('text/plain; charset=utf-8');
      expect(res.headers['content-length']).toBe('0');
      expect(res.counts).toMatchObject({ received: 1, processed: 1 });
    });

    it(`${name}: keeps a Content-Type an earlier middleware chose`, async () => {
      const app = new Koa();
      app.use(async (ctx, next) => {
        ctx.type = 'application/json';
        await next();
      });
      app.use(passfortWebhooks({ secret: KIT_SECRET }, { path: WEBHOOK_PATH }));
      const res = await deliver(app);
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    });
  }
});
