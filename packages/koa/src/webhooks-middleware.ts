import type { IncomingMessage, ServerResponse } from 'node:http';
import type { PassfortWebhooks, PassfortWebhooksOptions } from '@passfort-webhooks/core';
import {
  type KnownOptions,
  refuseUnknownOptions,
  resolvePassfortWebhooks,
} from '@passfort-webhooks/core/adapter';
import { fromIncomingMessage, matchesPath } from '@passfort-webhooks/core/node';

/** Options of the Koa adapter. */
export interface KoaAdapterOptions {
  /**
   * The path to answer on; other paths go to `next()`. Leave it out under a router route.
   * @example '/webhooks/passfort'
   */
  path?: string;
}

/** The part of a Koa 2 / 3 context the adapter uses. */
export interface KoaContextLike {
  req: IncomingMessage;
  res: ServerResponse;
  request: { body?: unknown; rawBody?: unknown };
  status: number;
  body: unknown;
  set(fields: Record<string, string>): void;
  set(field: string, value: string): void;
}

/** What Koa itself gives an empty string body, unless a middleware chose a type before. */
const ADAPTER_OPTIONS = { path: true } as const satisfies KnownOptions<KoaAdapterOptions>;

const EMPTY_BODY_TYPE = 'text/plain; charset=utf-8';

/** A Koa 2 / 3 middleware. */
export type PassfortKoaMiddleware = (
  ctx: KoaContextLike,
  next: () => Promise<unknown>,
) => Promise<void>;

/**
 * Mounts a Passfort webhook receiver on Koa 2 or 3, with or without `@koa/bodyparser`.
 *
 * @example
 * app.use(passfortWebhooks(webhooks, { path: '/webhooks/passfort' }));
 */
export function passfortWebhooks(
  webhooks: PassfortWebhooks | PassfortWebhooksOptions,
  options: KoaAdapterOptions = {},
): PassfortKoaMiddleware {
  refuseUnknownOptions('passfortWebhooks (Koa)', options, ADAPTER_OPTIONS);
  const receiver = resolvePassfortWebhooks(webhooks);
  return async function passfortWebhooksMiddleware(ctx, next) {
    if (!matchesPath(ctx.req, options.path)) {
      await next();
      return;
    }
    // A body parser's raw text is preferred to its parsed value: we parse it safely ourselves.
    const parsed = typeof ctx.request.rawBody === 'string' ? ctx.request.rawBody : ctx.request.body;
    const response = await receiver.handle(fromIncomingMessage(ctx.req, parsed));
    ctx.set(response.headers);
    // Koa types a string body with a mime-types lookup on every answer (0.5 µs or more, a
    // few % of a single webhook); the empty 200 gets the same type set directly.
    if (response.body === '' && !ctx.res.hasHeader('content-type')) {
      ctx.set('Content-Type', EMPTY_BODY_TYPE);
    }
    ctx.status = response.status;
    ctx.body = response.body;
  };
}
