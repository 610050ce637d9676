import { createServer } from 'node:http';
import Koa from 'koa';
import { authentic, ready } from './common.mjs';

const app = new Koa();
app.use(async (ctx) => {
  const chunks = [];
  for await (const chunk of ctx.req) chunks.push(chunk);
  const parsed = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  ctx.status = authentic(ctx.get('authorization'), parsed) ? 200 : 401;
  ctx.body = '';
});
ready(createServer(app.callback()));
