import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { receive } from './common.mjs';

const app = new Hono();
app.post('/webhooks', async (c) =>
  c.body(null, await receive(c.req.header('authorization'), await c.req.json())),
);
serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, ({ port }) => process.send?.({ port }));
