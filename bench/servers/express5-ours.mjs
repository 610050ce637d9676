import { createServer } from 'node:http';
import { createPassfortWebhooks } from '@passfort-webhooks/core';
import { passfortWebhooks } from '@passfort-webhooks/express';
import express from 'express';
import { handleWebhook, ready, SECRET } from './common.mjs';

const webhooks = createPassfortWebhooks({ secret: SECRET });
webhooks.onAny(handleWebhook);
const app = express();
app.post('/webhooks', passfortWebhooks(webhooks));
ready(createServer(app));
