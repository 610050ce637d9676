/**
 * The receiver every transactional case runs `ctx.transaction` through, and how a case sends
 * it a webhook: the kit tests the store as an app meets it, behind a real receiver, with no
 * HTTP in between.
 */
import { createPassfortWebhooks, type PassfortWebhooksOptions } from '@passfort-webhooks/core';
import type { WebhookResponse } from '@passfort-webhooks/core/adapter';
import type { DedupeStore } from '@passfort-webhooks/core/store';
import { KIT_SECRET, kitHeaders } from '../kit-webhooks.js';

/** A receiver on `store` with the kit's secret, silent, and the case's own `options`. */
export function kitReceiver<S extends DedupeStore>(
  store: S,
  options: Partial<PassfortWebhooksOptions<S>> = {},
) {
  return createPassfortWebhooks({
    secret: KIT_SECRET,
    logger: false,
    ...options,
    store,
  } as PassfortWebhooksOptions<S>);
}

/** Posts `body` (a webhook or a batch) to `webhooks` as Passfort would, with the kit's headers. */
export function send(
  webhooks: {
    handle(request: {
      method: string;
      headers: Record<string, string>;
      body: string;
    }): Promise<WebhookResponse>;
  },
  body: unknown,
): Promise<WebhookResponse> {
  return webhooks.handle({ method: 'POST', headers: kitHeaders(), body: JSON.stringify(body) });
}
