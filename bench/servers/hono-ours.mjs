import { serve } from '@hono/node-server';
import { createPassfortWebhooks } from '@passfort-webhooks/core';
import { passfortWebhooks } from '@passfort-webhooks/hono';
import { Hono } from 'hono';
import { handleWebhook, SECRET } from './common.mjs';

const webhooks = createPassfortWebhooks({ secret: SECRET });
webhooks.onAny(handleWebhook);
const app = new Hono();
app.post('/webhooks', passfortWebhooks(webhooks));
serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, ({ port }) => process.send?.({ port }));
