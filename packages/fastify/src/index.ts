import {
  type PassfortWebhooks,
  type PassfortWebhooksOptions,
  resolvePassfortWebhooks,
} from '@passfort-webhooks/core';
import { fromIncomingMessage } from '@passfort-webhooks/core/node';
import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';

/** Where the plugin answers. */
interface RouteOption {
  /**
   * The route's path, under the prefix the plugin is registered with.
   * @default '/webhooks/passfort'
   */
  path?: string;
}

/**
 * Options of the Fastify plugin: a receiver (`{ webhooks }`) or the options to create one,
 * and the route's `path`.
 */
export type PassfortFastifyOptions = RouteOption &
  ({ webhooks: PassfortWebhooks } | PassfortWebhooksOptions);

const plugin: FastifyPluginAsync<PassfortFastifyOptions> = async function passfortWebhooksPlugin(
  app,
  options,
) {
  const { path = '/webhooks/passfort', ...rest } = options;
  const given = 'webhooks' in rest ? rest.webhooks : undefined;
  const receiver = given ?? resolvePassfortWebhooks(rest as PassfortWebhooksOptions);
  if (given === undefined) app.addHook('onClose', () => receiver.close());

  // The body stays unread until the receiver reads it, with its own bound.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_request, payload, done) => done(null, payload));
  app.all(path, async (request, reply) => {
    const response = await receiver.handle(fromIncomingMessage(request.raw));
    return reply.code(response.status).headers(response.headers).send(response.body);
  });
};

/**
 * Receives Passfort webhooks on Fastify 4 or 5. Encapsulated: its route reads the body itself
 * (its own content-type parser, so the app's JSON parser and its 1 MiB `bodyLimit` do not
 * apply; the receiver's `maxBodyBytes` does), and the app's other routes are untouched. The
 * answer is written through `reply`, so hooks and logging see it. A receiver created from
 * options is closed with the app.
 *
 * @example
 * await app.register(passfortWebhooks, { webhooks, path: '/webhooks/passfort' });
 * // or
 * await app.register(passfortWebhooks, { secret, on: { CHECK_COMPLETED: onCheck } });
 */
export const passfortWebhooks: FastifyPluginAsync<PassfortFastifyOptions> = fp(plugin, {
  name: '@passfort-webhooks/fastify',
  fastify: '4.x || 5.x',
  encapsulate: true,
});
export { type PassfortConsoleFastifyOptions, passfortConsole } from './console.js';
