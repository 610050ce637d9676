import { ENGINE_OPTIONS, type WebhookEngineOptions } from './delivery/webhook-engine-options.js';
import type { KnownOptions } from './options/refuse-unknown-options.js';
import type { WebhookQueue } from './queues/webhook-queue.js';
import type { AllowIps, TrustProxyOption } from './receive/ip/ip-allow-list.js';
import type { DedupeStore } from './stores/dedupe-store.js';

/** The options it accepts: an unknown one is refused (see `refuseUnknownOptions`). */
export const PASSFORT_WEBHOOKS_OPTIONS = {
  ...ENGINE_OPTIONS,
  secret: true,
  maxBodyBytes: true,
  maxBatchSize: true,
  deadlineMs: true,
  delivery: true,
  queue: true,
  consume: true,
  allowIps: true,
  trustProxy: true,
  exposeStatus: true,
} as const satisfies KnownOptions<PassfortWebhooksOptions>;

/** Options of {@link createPassfortWebhooks}; `S` is the store's type. */
export interface PassfortWebhooksOptions<S extends DedupeStore = DedupeStore>
  extends WebhookEngineOptions<S> {
  /**
   * The shared secret Passfort sends as `Authorization: Bearer` and in each webhook's
   * `secret` field. Several secrets are accepted at once while rotating.
   * @example process.env.PASSFORT_WEBHOOK_SECRET
   */
  secret: string | readonly string[];
  /**
   * Largest accepted body, enforced while reading. A batch of 100 collected-data events
   * with two snapshots each can reach megabytes.
   * @default 10 MiB
   */
  maxBodyBytes?: number;
  /**
   * Most webhooks accepted in one request. Passfort sends at most 100 per batch.
   * @default 100
   */
  maxBatchSize?: number;
  /**
   * Time budget of one request, below Passfort's timeout (5 s batched, 10 s single). Once
   * spent, no further handler starts and the receiver answers 503; a running handler
   * finishes in the background and its result is recorded.
   * @default { batch: 4000, single: 9000 }
   */
  deadlineMs?: number | { batch?: number; single?: number };
  /**
   * `'inline'` runs handlers during the request; `'queue'` acks once the webhooks are
   * durably enqueued and a worker runs the handlers with the same rules.
   * @default 'inline'
   */
  delivery?: 'inline' | 'queue';
  /**
   * The queue for `delivery: 'queue'`.
   * @default inProcessQueue() (one machine; lost on a crash)
   */
  queue?: WebhookQueue;
  /**
   * With `delivery: 'queue'`, whether this process also runs the worker. Set false when
   * workers run elsewhere (`createWorker`).
   * @default true
   */
  consume?: boolean;
  /**
   * Accept webhooks only from these addresses or CIDR ranges (IPv4, IPv6, IPv4-mapped), or
   * `'passfort'` for every address Passfort documents (`PASSFORT_IPS`); others get 403.
   * Off by default: the shared secret already authenticates Passfort.
   */
  allowIps?: AllowIps;
  /**
   * Behind a reverse proxy: the proxies whose `X-Forwarded-For` is believed (addresses and
   * ranges), or how many hops to trust. Without it, the peer's own address is used and
   * `X-Forwarded-For` is ignored, so it cannot be spoofed.
   */
  trustProxy?: TrustProxyOption;
  /**
   * Answer `GET` on the webhook route with `status()`, for a caller presenting the webhook
   * secret as `Authorization: Bearer`.
   * @default false
   */
  exposeStatus?: boolean;
}
