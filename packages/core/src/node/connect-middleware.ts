import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ConsoleOptions } from '../console/console-options.js';
import type { PassfortWebhooks } from '../create-passfort-webhooks.js';
import { consoleForNode } from './console-for-node.js';
import { fromIncomingMessage } from './from-incoming-message.js';
import { matchesPath } from './matches-path.js';
import { writeServerResponse } from './write-server-response.js';

/**
 * A Connect-style middleware, the shape Express (4 and 5) and any framework built on
 * `node:http` with `(req, res, next)` mounts. Typed structurally, so either Express version's
 * types accept it.
 */
export type ConnectMiddleware = (
  req: IncomingMessage & { body?: unknown; originalUrl?: string },
  res: ServerResponse,
  next: (error?: unknown) => void,
) => void;

/**
 * The receiver as a Connect-style middleware: answers requests on `path` (every request it is
 * given when `path` is left out: the app's router chose the path), hands the rest to `next()`.
 * A body an earlier parser read (`req.body`) is used as it is. The Express adapter and the Nest
 * module's Express platform both mount this one.
 *
 * @example
 * app.use(webhooksMiddleware(webhooks, '/webhooks/passfort'));
 */
export function webhooksMiddleware(webhooks: PassfortWebhooks, path?: string): ConnectMiddleware {
  return function passfortWebhooksMiddleware(req, res, next) {
    if (!matchesPath(req, path)) return next();
    webhooks.handle(fromIncomingMessage(req, req.body)).then(
      (response) => writeServerResponse(res, response),
      (error: unknown) => next(error),
    );
  };
}

/**
 * The operator console as a Connect-style middleware, under `options.path`; other paths go to
 * `next()`. Mount it before any body parser, or under its own path prefix.
 *
 * @example
 * app.use(consoleMiddleware(webhooks, { token: process.env.PASSFORT_CONSOLE_TOKEN!, path: '/console' }));
 */
export function consoleMiddleware(
  webhooks: PassfortWebhooks,
  options: ConsoleOptions,
): ConnectMiddleware {
  const serve = consoleForNode(webhooks, options);
  return function passfortConsoleMiddleware(req, res, next) {
    if (serve(req, res) === undefined) next();
  };
}
