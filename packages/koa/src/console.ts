import type { PassfortWebhooks } from '@passfort-webhooks/core';
import type { ConsoleOptions } from '@passfort-webhooks/core/console';
import { consoleForNode } from '@passfort-webhooks/core/node';
import type { KoaContextLike, PassfortKoaMiddleware } from './webhooks-middleware.js';

/**
 * Mounts the operator console of a receiver on Koa, under `options.path` (other paths go to
 * `next()`). The console writes its own answer (`ctx.respond = false`).
 *
 * @example
 * app.use(passfortConsole(webhooks, { token: process.env.PASSFORT_CONSOLE_TOKEN!, path: '/console' }));
 */
export function passfortConsole(
  webhooks: PassfortWebhooks,
  options: ConsoleOptions,
): PassfortKoaMiddleware {
  const serve = consoleForNode(webhooks, options);
  return async function passfortConsoleMiddleware(
    ctx: KoaContextLike & { respond?: boolean },
    next,
  ) {
    const serving = serve(ctx.req, ctx.res);
    if (serving === undefined) {
      await next();
      return;
    }
    ctx.respond = false;
    await serving;
  };
}
