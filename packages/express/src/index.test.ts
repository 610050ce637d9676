import { createServer } from 'node:http';
import type { PassfortWebhooks } from '@passfort-webhooks/core';
import express5 from 'express';
import express4 from 'express4';
import { describe, expect, it } from 'vitest';
import {
  type AdapterVariant,
  describeAdapterCases,
  WEBHOOK_PATH,
} from '../../core/test/adapter-cases.js';
import { httpRequest, listenOnLoopback } from '../../core/test/http-request.js';
import { batch, bearer, SECRET } from '../../core/test/webhook-fixtures.js';
import { passfortWebhooks } from './index.js';

type ExpressFactory = typeof express5;
type BodyParser = 'none' | 'json' | 'raw' | 'text';

function variant(
  name: string,
  express: ExpressFactory,
  parser: BodyParser,
  mount: 'use' | 'post',
): AdapterVariant {
  return {
    name: `${name}, ${parser === 'none' ? 'no body parser' : `express.${parser}()`}, app.${mount}`,
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
}

for (const [name, express] of [
  ['Express 5', express5],
  ['Express 4', express4],
] as const) {
  describeAdapterCases(variant(name, express, 'none', 'use'));
  describeAdapterCases(variant(name, express, 'none', 'post'));
  describeAdapterCases(variant(name, express, 'json', 'use'));
  describeAdapterCases(variant(name, express, 'raw', 'use'));
  describeAdapterCases(variant(name, express, 'text', 'post'));
}

describe('passfortWebhooks(options)', () => {
  it('creates the receiver from options with a handlers map, for the one-line mount', async () => {
    const statuses: string[] = [];
    const app = express5();
    app.post(
      WEBHOOK_PATH,
      passfortWebhooks({
        secret: SECRET,
        on: { PRODUCT_STATUS_CHANGED: (event) => void statuses.push(event.data.new_status) },
      }),
    );
    const server = await listenOnLoopback(createServer(app));
    const res = await httpRequest(`${server.url}${WEBHOOK_PATH}`, {
      body: JSON.stringify(batch(2)),
      headers: bearer(),
    });
    await server.close();
    expect(res.status).toBe(200);
    expect(statuses).toEqual(['APPROVED', 'APPROVED']);
  });
});
