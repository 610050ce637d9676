import type { PassfortWebhooks } from '@passfort-webhooks/core';
import { type ConsoleOptions, createConsole } from '@passfort-webhooks/core/console';
import type { Context, Handler } from 'hono';

/**
 * The operator console of a receiver as a Hono handler, on any runtime. Mount it on the
 * console's path and everything under it; `getIp` reads the operator's address (for the log
 * and the sign-in rate limit), by default `@hono/node-server`'s socket address.
 *
 * @example
 * const console = passfortConsole(webhooks, { token: env.PASSFORT_CONSOLE_TOKEN, path: '/console' });
 * app.all('/console', console);
 * app.all('/console/*', console);
 */
export function passfortConsole(
  webhooks: PassfortWebhooks,
  options: ConsoleOptions & { getIp?: (c: Context) => string | undefined },
): Handler {
  const handler = createConsole(webhooks, options);
  const getIp =
    options.getIp ??
    ((c: Context) =>
      (c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined)?.incoming
        ?.socket?.remoteAddress);
  return (c) => handler(c.req.raw, { ip: getIp(c) });
}
