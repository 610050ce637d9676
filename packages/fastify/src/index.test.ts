import {
  type AdapterTarget,
  adapterConformanceCases,
  httpRequest,
  KIT_SECRET,
  kitBatch,
  kitHeaders,
} from '@passfort-webhooks/testing/conformance';
import fastify5 from 'fastify';
import fastify4 from 'fastify4';
import { describe, expect, it } from 'vitest';
import { passfortWebhooks } from './index.js';

type FastifyFactory = typeof fastify5;

/** An app as the README sets it up: its own JSON route beside the plugin. */
async function startApp(
  fastify: FastifyFactory,
  register: (app: ReturnType<FastifyFactory>) => Promise<unknown>,
) {
  const app = fastify();
  app.get('/health', async (_request, reply) => reply.type('text/plain').send('ok'));
  app.post('/echo', async (request) => ({ echoed: request.body }));
  await register(app);
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  return { url, close: () => app.close() };
}

for (const [name, fastify] of [
  ['Fastify 5', fastify5],
  ['Fastify 4', fastify4 as unknown as FastifyFactory],
] as const) {
  const target: AdapterTarget = {
    start: (webhooks) =>
      startApp(fastify, (app) =>
        app.register(passfortWebhooks, { webhooks, path: '/webhooks/passfort' }),
      ),
  };
  describe(`${name}: app.register(passfortWebhooks, { webhooks, path }) (the public adapter kit)`, () => {
    for (const check of adapterConformanceCases(target)) it(check.name, check.run);
  });

  describe(`${name}: encapsulation and options`, () => {
    it('leaves the app’s own JSON parser and 1 MiB body limit to its other routes', async () => {
      const started = await startApp(fastify, (app) =>
        app.register(passfortWebhooks, { secret: KIT_SECRET, logger: false }),
      );
      try {
        const echo = await httpRequest(`${started.url}/echo`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ a: 1 }),
        });
        expect(echo.json).toEqual({ echoed: { a: 1 } });
        const tooBig = await httpRequest(`${started.url}/echo`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ padding: 'x'.repeat(1_100_000) }),
        });
        expect(tooBig.status).toBe(413);
        // The receiver created from options answers on the default path.
        const delivered = await httpRequest(`${started.url}/webhooks/passfort`, {
          method: 'POST',
          headers: kitHeaders(),
          body: JSON.stringify(kitBatch(3)),
        });
        expect(delivered.status).toBe(200);
      } finally {
        await started.close();
      }
    });

    it('logs through request.log (pino, one JSON line with the request id) when the app passed no logger', async () => {
      const lines: string[] = [];
      const app = fastify({
        logger: { level: 'warn', stream: { write: (line: string) => void lines.push(line) } },
      });
      await app.register(passfortWebhooks, { secret: KIT_SECRET });
      await app.listen({ port: 0, host: '127.0.0.1' });
      try {
        const { port } = app.server.address() as { port: number };
        const refused = await httpRequest(`http://127.0.0.1:${port}/webhooks/passfort`, {
          method: 'POST',
          headers: { ...kitHeaders(), authorization: 'Bearer wrong-secret' },
          body: JSON.stringify(kitBatch(1)),
        });
        expect(refused.status).toBe(401);
        const ours = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
        expect(ours).toHaveLength(1);
        expect(ours[0]).toMatchObject({
          level: 40,
          msg: 'webhook request refused',
          errorCode: 'UNAUTHORIZED',
          reqId: expect.any(String),
        });
      } finally {
        await app.close();
      }
    });

    it('refuses a misspelt option when registered', async () => {
      const app = fastify();
      await expect(
        app.register(passfortWebhooks, { secret: KIT_SECRET, maxAtempts: 3 } as never),
      ).rejects.toThrow('did you mean "maxAttempts"?');
      await app.close();
    });

    it('answers under the prefix it is registered with', async () => {
      const started = await startApp(fastify, (app) =>
        app.register(passfortWebhooks, {
          prefix: '/api',
          secret: KIT_SECRET,
          logger: false,
          path: '/passfort',
        }),
      );
      try {
        const res = await httpRequest(`${started.url}/api/passfort`, {
          method: 'POST',
          headers: kitHeaders(),
          body: JSON.stringify(kitBatch(1)),
        });
        expect(res.status).toBe(200);
      } finally {
        await started.close();
      }
    });
  });
}
