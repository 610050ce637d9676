import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  type KnownOptions,
  type PassfortWebhooks,
  type PassfortWebhooksOptions,
  refuseUnknownOptions,
  resolvePassfortWebhooks,
} from '@passfort-webhooks/core';
import {
  fromIncomingMessage,
  matchesPath,
  writeServerResponse,
} from '@passfort-webhooks/core/node';

/** Options of the Express adapter. */
export interface ExpressAdapterOptions {
  /**
   * The path to answer on when mounted with `app.use()`; other paths go to `next()`.
   * Leave it out with `app.post(path, …)`, where Express matches the path.
   * @example '/webhooks/passfort'
   */
  path?: string;
}

const ADAPTER_OPTIONS = { path: true } as const satisfies KnownOptions<ExpressAdapterOptions>;

/** An Express 4 / 5 middleware (structurally typed, so either version's types accept it). */
export type PassfortExpressMiddleware = (
  req: IncomingMessage & { body?: unknown },
  res: ServerResponse,
  next: (error?: unknown) => void,
) => void;

/**
 * Mounts a Passfort webhook receiver on Express 4 or 5, with or without `express.json()`,
 * `express.raw()` or `express.text()` before it.
 *
 * @example
 * app.use(passfortWebhooks(webhooks, { path: '/webhooks/passfort' }));
 * // or
 * app.post('/webhooks/passfort', passfortWebhooks({ secret, on: { CHECK_COMPLETED: onCheck } }));
 */
export function passfortWebhooks(
  webhooks: PassfortWebhooks | PassfortWebhooksOptions,
  options: ExpressAdapterOptions = {},
): PassfortExpressMiddleware {
  refuseUnknownOptions('passfortWebhooks (Express)', options, ADAPTER_OPTIONS);
  const receiver = resolvePassfortWebhooks(webhooks);
  return function passfortWebhooksMiddleware(req, res, next) {
    if (!matchesPath(req, options.path)) return next();
    receiver.handle(fromIncomingMessage(req, req.body)).then(
      (response) => writeServerResponse(res, response),
      (error: unknown) => next(error),
    );
  };
}
