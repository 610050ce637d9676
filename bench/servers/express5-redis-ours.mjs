import { createServer } from 'node:http';
import { createPassfortWebhooks } from '@passfort-webhooks/core';
import { redisStore } from '@passfort-webhooks/core/redis';
import { passfortWebhooks } from '@passfort-webhooks/express';
import express from 'express';
import { handleWebhook, ready, SECRET } from './common.mjs';
import { name, redisClient } from './store-clients.mjs';

const webhooks = createPassfortWebhooks({
  secret: SECRET,
  store: redisStore({ client: await redisClient(), prefix: name }),
});
webhooks.onAny(handleWebhook);
const app = express();
app.post('/webhooks', passfortWebhooks(webhooks));
ready(createServer(app));
