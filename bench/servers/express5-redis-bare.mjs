// A bare Express route that dedupes by hand the way people do it on Redis: one
// `SET id 1 EX <7 days> NX` per webhook, then the handler.
import { createServer } from 'node:http';
import express from 'express';
import { ready, receive } from './common.mjs';
import { name, redisClient } from './store-clients.mjs';

const client = await redisClient();
const claim = async (id) => (await client.set(`${name}:${id}`, '1', 'EX', 604_800, 'NX')) === 'OK';
const app = express();
app.post('/webhooks', express.json({ limit: '10mb' }), async (req, res) => {
  res.sendStatus(await receive(req.headers.authorization, req.body, claim));
});
ready(createServer(app));
