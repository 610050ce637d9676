import { createServer } from 'node:http';
import { consoleMountCases, listenOnLoopback } from '@passfort-webhooks/testing/conformance';
import express from 'express';
import { describe, it } from 'vitest';
import { passfortConsole, passfortWebhooks } from './index.js';

describe('Express: app.use(passfortConsole(webhooks, { token, path })) (the console kit)', () => {
  const cases = consoleMountCases({
    start(receiver, token) {
      const app = express();
      app.use(passfortConsole(receiver, { token, path: '/console' }));
      app.get('/health', (_req, res) => void res.type('text').send('ok'));
      app.use(passfortWebhooks(receiver, { path: '/webhooks/passfort' }));
      return listenOnLoopback(createServer(app));
    },
  });
  for (const check of cases) it(check.name, check.run);
});
