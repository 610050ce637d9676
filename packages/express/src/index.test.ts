import { createServer } from 'node:http';
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
import express5 from 'express';
import express4 from 'express4';
import { describe, expect, it } from 'vitest';
import { passfortWebhooks } from './index.js';

type ExpressFactory = typeof express5;
type BodyParser = 'none' | 'json' | 'raw' | 'text';

const WEBHOOK_PATH = '/webhooks/passfort';

/** Runs the public adapter kit against one Express set-up. */
function describeVariant(
  name: string,
  express: ExpressFactory,
  parser: BodyParser,
  mount: 'use' | 'post',
): void {
  const target: AdapterTarget = {
    parsesBody: parser !== 'none',
    start(webhooks: PassfortWebhooks) {
      const app = express();
      if (parser === 'json') app.use(express.json({ limit: '10mb' }));
      if (parser === 'raw') app.use(express.raw({ type: '*/*', limit: '10mb' }));
      if (parser === 'text') app.use(express.text({ type: '*/*', limit: '10mb' }));
      app.get('/health', (_req, res) => {
        res.type('text').send('ok');
      });
      if (mount === 'use') app.use(passfortWebhooks(webhooks, { path: WEBHOOK_PATH }));
      else app.all(WEBHOOK_PATH, passfortWebhooks(webhooks));
      return listenOnLoopback(createServer(app));
    },
  };
  describe(`${name}, ${parser === 'none' ? 'no body parser' : `express.${parser}()`}, app.${mount}`, () => {
    for (const check of adapterConformanceCases(target)) it(check.name, check.run);
  });
}

for (const [name, express] of [
  ['Express 5', express5],
  ['Express 4', express4],
] as const) {
  describeVariant(name, express, 'none', 'use');
  describeVariant(name, express, 'none', 'post');
  describeVariant(name, express, 'json', 'use');
  describeVariant(name, express, 'raw', 'use');
  describeVariant(name, express, 'text', 'post');
}

describe('passfortWebhooks(options)', () => {
  it('creates the receiver from options with a handlers map, for the one-line mount', async () => {
    const statuses: string[] = [];
    const app = express5();
    app.post(
      WEBHOOK_PATH,
      passfortWebhooks({
        secret: KIT_SECRET,
        on: { PRODUCT_STATUS_CHANGED: (event) => void statuses.push(event.data.new_status) },
      }),
    );
    const server = await listenOnLoopback(createServer(app));
    const res = await httpRequest(`${server.url}${WEBHOOK_PATH}`, {
      body: JSON.stringify(kitBatch(2)),
      headers: kitHeaders(),
    });
    await server.close();
    expect(res.status).toBe(200);
    expect(statuses).toEqual(['APPROVED', 'APPROVED']);
  });
});
