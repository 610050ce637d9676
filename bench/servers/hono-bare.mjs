import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { authentic } from './common.mjs';

const app = new Hono();
app.post('/webhooks', async (c) =>
  c.body(null, authentic(c.req.header('authorization'), await c.req.json()) ? 200 : 401),
);
serve({ fetch: app.fetch, port: Number(process.env.PORT), hostname: '127.0.0.1' }, () =>
  process.send?.('ready'),
);
