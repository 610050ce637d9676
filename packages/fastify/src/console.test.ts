import { consoleMountCases } from '@passfort-webhooks/testing/conformance';
import fastify from 'fastify';
import { describe, it } from 'vitest';
import { passfortConsole, passfortWebhooks } from './index.js';

describe('Fastify: app.register(passfortConsole, { webhooks, token, path }) (the console kit)', () => {
  const cases = consoleMountCases({
    async start(receiver, token) {
      const app = fastify();
      app.get('/health', async (_request, reply) => reply.type('text/plain').send('ok'));
      await app.register(passfortConsole, { webhooks: receiver, token, path: '/console' });
      await app.register(passfortWebhooks, { webhooks: receiver });
      const url = await app.listen({ port: 0, host: '127.0.0.1' });
      return { url, close: () => app.close() };
    },
  });
  for (const check of cases) it(check.name, check.run);
});
