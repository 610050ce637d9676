import { serve } from '@hono/node-server';
import { consoleMountCases } from '@passfort-webhooks/testing/conformance';
import { Hono } from 'hono';
import { describe, it } from 'vitest';
import { passfortConsole, passfortWebhooks } from './index.js';

describe("Hono: app.all('/console/*', passfortConsole(webhooks, { token, path })) (the console kit)", () => {
  const cases = consoleMountCases({
    start(receiver, token) {
      const app = new Hono();
      const console = passfortConsole(receiver, { token, path: '/console' });
      app.all('/console', console);
      app.all('/console/*', console);
      app.get('/health', (c) => c.text('ok'));
      app.post('/webhooks/passfort', passfortWebhooks(receiver));
      return new Promise((resolve) => {
        const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info) =>
          resolve({
            url: `http://127.0.0.1:${info.port}`,
            close: () => new Promise<void>((done) => server.close(() => done())),
          }),
        );
      });
    },
  });
  for (const check of cases) it(check.name, check.run);
});
