import { createServer } from 'node:http';
import express from 'express';
import { authentic, ready } from './common.mjs';

const app = express();
app.post('/webhooks', express.json({ limit: '10mb' }), (req, res) => {
  res.sendStatus(authentic(req.headers.authorization, req.body) ? 200 : 401);
});
ready(createServer(app));
