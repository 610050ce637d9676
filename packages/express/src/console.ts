import type { PassfortWebhooks } from '@passfort-webhooks/core';
import type { ConsoleOptions } from '@passfort-webhooks/core/console';
import { consoleMiddleware } from '@passfort-webhooks/core/node';
import type { PassfortExpressMiddleware } from './webhooks-middleware.js';

/**
 * Mounts the operator console of a receiver on Express, under `options.path` (other paths go
 * to `next()`). Put it before any body parser, or give it its own path prefix.
 *
 * @example
 * app.use(passfortConsole(webhooks, { token: process.env.PASSFORT_CONSOLE_TOKEN!, path: '/console' }));
 */
export function passfortConsole(
  webhooks: PassfortWebhooks,
  options: ConsoleOptions,
): PassfortExpressMiddleware {
  return consoleMiddleware(webhooks, options);
}
