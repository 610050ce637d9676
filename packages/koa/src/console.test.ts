import { createServer } from 'node:http';
import { consoleMountCases, listenOnLoopback } from '@passfort-webhooks/testing/conformance';
import Koa from 'koa';
import { describe, it } from 'vitest';
import { passfortConsole, passfortWebhooks } from './index.js';

describe('Koa: app.use(passfortConsole(webhooks, { token, path })) (the console kit)', () => {
  const cases = consoleMountCases({
    start(receiver, token) {
      const app = new Koa();
      app.silent = true;
      app.use(passfortConsole(receiver, { token, path: '/console' }));
      app.use(async (ctx, next) => {
        if (ctx.path === '/health') ctx.body = 'ok';
        else await next();
      });
      app.use(passfortWebhooks(receiver, { path: '/webhooks/passfort' }));
      return listenOnLoopback(createServer(app.callback()));
    },
  });
  for (const check of cases) it(check.name, check.run);
});
