/**
 * The webhooks the kits send: PRODUCT_STATUS_CHANGED envelopes shaped like Passfort's
 * sample, with UUID-shaped ids. Exported so an author's own extra cases send the same.
 */

/** The secret of the receivers the adapter kit creates. */
export const KIT_SECRET = 'whsec-test-4f1c9b2e7d';
/** A second secret, for the rotation cases. */
export const KIT_OTHER_SECRET = 'whsec-rotated-8a3d0c55';

/** One webhook as the kit sends it. */
export interface KitWebhook {
  id: string;
  event: string;
  secret: string;
  timestamp: number;
  data: Record<string, unknown>;
}

/**
 * The `n`th webhook id: UUID-shaped like Passfort's.
 * @example kitWebhookId(5) // '00000000-0000-4000-8000-000000000005'
 */
export function kitWebhookId(n: number): string {
  return `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
}

/**
 * A PRODUCT_STATUS_CHANGED webhook with the given id, signed with `secret`.
 * @example kitWebhook(kitWebhookId(1))
 */
export function kitWebhook(id: string, secret = KIT_SECRET): KitWebhook {
  return {
    id,
    event: 'PRODUCT_STATUS_CHANGED',
    secret,
    timestamp: 1568997222,
    data: {
      apikey: null,
      application_id: `app-${id}`,
      customer_ref: 'cust-1',
      new_status: 'APPROVED',
      product: { alias: 'IDENTITY_CHECK', id: 'prod-1', name: 'Identity check' },
      profile_id: 'profile-1',
      user: { email: 'analyst@example.com', id: 'user-1', name: 'An Analyst' },
    },
  };
}

/**
 * `count` webhooks with consecutive ids from `from`, as Passfort batches them.
 * @example JSON.stringify(kitBatch(100))
 */
export function kitBatch(count: number, from = 0, secret = KIT_SECRET): KitWebhook[] {
  return Array.from({ length: count }, (_, i) => kitWebhook(kitWebhookId(from + i), secret));
}

/**
 * The headers Passfort sends: `Authorization: Bearer <secret>` and JSON.
 * @example await fetch(url, { method: 'POST', headers: kitHeaders(), body })
 */
export function kitHeaders(secret = KIT_SECRET): Record<string, string> {
  return { authorization: `Bearer ${secret}`, 'content-type': 'application/json' };
}

/**
 * A batch of 100 webhooks of about 52 KB each (5.2 MB in all), the size a batch of
 * collected-data events with their snapshots reaches: each carries a `customer_ref` that long.
 * A framework's default body limit (100 kB to 1 MiB) refuses it; the adapter set up as its
 * README says must not.
 * @example JSON.stringify(kitLargeBatch()).length // > 5_000_000
 */
export function kitLargeBatch(secret = KIT_SECRET): KitWebhook[] {
  return kitBatch(100, 0, secret).map((webhook, i) => ({
    ...webhook,
    data: { ...webhook.data, customer_ref: `cust-${i}-${'x'.repeat(52_000)}` },
  }));
}

/**
 * Options for the receivers the kits create: no logger, so a test run of a kit prints nothing
 * (refusals and failing handlers are what the kits send on purpose). Set
 * `PASSFORT_WEBHOOKS_KIT_LOGS=1` to see their logs, as an app would: on the console, or through
 * the framework's logger an adapter hands over.
 */
export function kitReceiverLogging(): { logger?: false } {
  return process.env['PASSFORT_WEBHOOKS_KIT_LOGS'] === '1' ? {} : { logger: false };
}
