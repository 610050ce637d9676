import type { PassfortWebhooks, PassfortWebhooksOptions } from '@passfort-webhooks/core';
import {
  type KnownOptions,
  refuseUnknownOptions,
  resolvePassfortWebhooks,
} from '@passfort-webhooks/core/adapter';
import { type ConnectMiddleware, webhooksMiddleware } from '@passfort-webhooks/core/node';

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
export type PassfortExpressMiddleware = ConnectMiddleware;

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
  return webhooksMiddleware(resolvePassfortWebhooks(webhooks), options.path);
}
