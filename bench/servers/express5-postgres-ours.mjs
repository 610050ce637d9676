import { createServer } from 'node:http';
import { createPassfortWebhooks } from '@passfort-webhooks/core';
import { postgresStore } from '@passfort-webhooks/core/postgres';
import { passfortWebhooks } from '@passfort-webhooks/express';
import express from 'express';
import { handleWebhook, ready, SECRET } from './common.mjs';
import { name, postgresPool } from './store-clients.mjs';

const store = postgresStore({
  pool: postgresPool(),
  table: `${name}_ids`,
  deadLetterTable: `${name}_dead`,
});
await store.migrate();
const webhooks = createPassfortWebhooks({ secret: SECRET, store });
webhooks.onAny(handleWebhook);
const app = express();
app.post('/webhooks', passfortWebhooks(webhooks));
ready(createServer(app));
