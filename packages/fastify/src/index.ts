import { AsyncLocalStorage } from 'node:async_hooks';
import type { Logger, PassfortWebhooks, PassfortWebhooksOptions } from '@passfort-webhooks/core';
import { refuseUnknownOptions, resolvePassfortWebhooks } from '@passfort-webhooks/core/adapter';
import { fromIncomingMessage } from '@passfort-webhooks/core/node';
import type { FastifyBaseLogger, FastifyPluginAsync } from 'fastify';
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

/** What Fastify itself mixes into every plugin's options (`app.register(plugin, { prefix })`). */
const REGISTER_OPTIONS = { prefix: true, logLevel: true, logSerializers: true } as const;

/** Where a receiver's core hands an adapter's logger over (see core's console-logger.ts). */
const ADOPT_LOGGER = Symbol.for('@passfort-webhooks/core:adopt-logger');

/**
 * Logs through `request.log` (its request id bound) while a request is handled, and through the
 * plugin's `app.log` otherwise (a queue's worker, a timer): pino both, so the receiver's
 * `(fields, message)` calls pass through unchanged, one line each.
 */
function fastifyLogger(appLog: FastifyBaseLogger, current: AsyncLocalStorage<FastifyBaseLogger>) {
  const log = () => current.getStore() ?? appLog;
  return {
    debug: (fields, message) => log().debug(fields, message),
    info: (fields, message) => log().info(fields, message),
    warn: (fields, message) => log().warn(fields, message),
    error: (fields, message) => log().error(fields, message),
  } satisfies Logger;
}

const plugin: FastifyPluginAsync<PassfortFastifyOptions> = async function passfortWebhooksPlugin(
  app,
  options,
) {
  const {
    path = '/webhooks/passfort',
    prefix: _prefix,
    logLevel: _logLevel,
    logSerializers: _logSerializers,
    ...rest
  } = options as PassfortFastifyOptions & Record<keyof typeof REGISTER_OPTIONS, unknown>;
  const given = 'webhooks' in rest ? rest.webhooks : undefined;
  if (given !== undefined) {
    // The receiver's own options belong to createPassfortWebhooks, not beside a receiver.
    refuseUnknownOptions('passfortWebhooks (Fastify)', rest, { webhooks: true });
  }
  const receiver = given ?? resolvePassfortWebhooks(rest as PassfortWebhooksOptions);
  if (given === undefined) app.addHook('onClose', () => receiver.close());
  const requestLog = new AsyncLocalStorage<FastifyBaseLogger>();
  const adopt = (receiver as unknown as Record<symbol, ((logger: Logger) => boolean) | undefined>)[
    ADOPT_LOGGER
  ];
  const adopted = adopt?.(fastifyLogger(app.log, requestLog)) === true;

  // The body stays unread until the receiver reads it, with its own bound.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_request, payload, done) => done(null, payload));
  app.all(path, async (request, reply) => {
    const webhookRequest = fromIncomingMessage(request.raw);
    const response = await (adopted
      ? requestLog.run(request.log, () => receiver.handle(webhookRequest))
      : receiver.handle(webhookRequest));
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
