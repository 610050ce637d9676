import type { PassfortWebhookError } from '../errors/passfort-webhook-error.js';
import type { DeliveryCounts } from '../observability/instrumentation.js';

/** Counts of one delivery, filled in as it goes, and the error that stopped it, if any. */
export type DeliveryOutcome = { -readonly [K in keyof DeliveryCounts]: DeliveryCounts[K] } & {
  error?: PassfortWebhookError;
};

/** The counts of a delivery of `received` webhooks before any of them was handled. */
export function emptyOutcome(received: number): DeliveryOutcome {
  return { received, processed: 0, duplicates: 0, deadLettered: 0, echoes: 0 };
}
