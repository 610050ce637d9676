import type { PassfortWebhooks } from '@passfort-webhooks/core';
import { type ConsoleOptions, createConsole } from '@passfort-webhooks/core/console';
import { nodeHeaders, toWebRequest } from '@passfort-webhooks/core/node';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';

/** Options of the console plugin: the receiver and the console's options. */
export type PassfortConsoleFastifyOptions = ConsoleOptions & { webhooks: PassfortWebhooks };

const plugin: FastifyPluginAsync<PassfortConsoleFastifyOptions> = async (app, options) => {
  const { webhooks, ...consoleOptions } = options;
  const handler = createConsole(webhooks, consoleOptions);
  const path = (consoleOptions.path ?? '/console').replace(/\/+$/, '');
  // The console reads its own small forms: the body stays unread for it.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_request, payload, done) => done(null, payload));
  const route = async (request: FastifyRequest, reply: FastifyReply) => {
    const response = await handler(toWebRequest(request.raw), { ip: request.ip });
    return reply
      .code(response.status)
      .headers(nodeHeaders(response))
      .send(Buffer.from(await response.arrayBuffer()));
  };
  app.all(path, route);
  app.all(`${path}/*`, route);
};

/**
 * The operator console of a receiver on Fastify 4 or 5, encapsulated like the webhook plugin.
 *
 * @example
 * await app.register(passfortConsole, { webhooks, token: process.env.PASSFORT_CONSOLE_TOKEN!, path: '/console' });
 */
export const passfortConsole: FastifyPluginAsync<PassfortConsoleFastifyOptions> = fp(plugin, {
  name: '@passfort-webhooks/fastify/console',
  fastify: '4.x || 5.x',
  encapsulate: true,
});
