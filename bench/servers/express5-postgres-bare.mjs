// A bare Express route that dedupes by hand the way people do it on Postgres: one
// `INSERT … ON CONFLICT DO NOTHING RETURNING` per webhook, then the handler.
import { createServer } from 'node:http';
import express from 'express';
import { ready, receive } from './common.mjs';
import { name, postgresPool } from './store-clients.mjs';

const pool = postgresPool();
await pool.query(
  `CREATE TABLE IF NOT EXISTS ${name}_bare (id text PRIMARY KEY, handled_at timestamptz NOT NULL DEFAULT now())`,
);
const claim = async (id) =>
  (
    await pool.query(
      `INSERT INTO ${name}_bare (id) VALUES ($1) ON CONFLICT DO NOTHING RETURNING id`,
      [id],
    )
  ).rowCount === 1;
const app = express();
app.post('/webhooks', express.json({ limit: '10mb' }), async (req, res) => {
  res.sendStatus(await receive(req.headers.authorization, req.body, claim));
});
ready(createServer(app));
