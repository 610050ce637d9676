import { createServer } from 'node:http';
import express from 'express4';
import { ready, receive } from './common.mjs';

const app = express();
app.post('/webhooks', express.json({ limit: '10mb' }), async (req, res) => {
  res.sendStatus(await receive(req.headers.authorization, req.body));
});
ready(createServer(app));
