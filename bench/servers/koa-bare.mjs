import { createServer } from 'node:http';
import Koa from 'koa';
import { ready, receive } from './common.mjs';

// The raw body read with stream events, as fast as by hand on node:http (an async iterator
// over the request costs noticeably more, and would flatter the receiver's ratio).
const readBody = (req) =>
  new Promise((resolve, reject) => {
    const chunks = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });

const app = new Koa();
app.use(async (ctx) => {
  const parsed = JSON.parse(await readBody(ctx.req));
  ctx.status = await receive(ctx.get('authorization'), parsed);
  ctx.body = '';
});
ready(createServer(app.callback()));
