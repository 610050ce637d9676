import { createServer } from 'node:http';
import { createPassfortWebhooks } from '@passfort-webhooks/core';
import { passfortWebhooks } from '@passfort-webhooks/koa';
import Koa from 'koa';
import { handleWebhook, ready, SECRET } from './common.mjs';

const webhooks = createPassfortWebhooks({ secret: SECRET });
webhooks.onAny(handleWebhook);
const app = new Koa();
app.use(passfortWebhooks(webhooks, { path: '/webhooks' }));
ready(createServer(app.callback()));
