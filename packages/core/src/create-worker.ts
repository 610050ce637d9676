import { createWebhookEngine } from './delivery/webhook-engine.js';
import { ENGINE_OPTIONS, type WebhookEngineOptions } from './delivery/webhook-engine-options.js';
import type { WebhookHandling } from './delivery/webhook-handling.js';
import { ConfigurationError } from './errors/configuration-error.js';
import { type KnownOptions, refuseUnknownOptions } from './options/refuse-unknown-options.js';
import type { WebhookQueue } from './queues/webhook-queue.js';
import { webhookSecret } from './receive/webhook-secret.js';
import type { DedupeStore } from './stores/dedupe-store.js';
import type { TransactionClientOf } from './stores/transactional-store.js';

/** The options it accepts: an unknown one is refused (see `refuseUnknownOptions`). */
const WORKER_OPTIONS = {
  ...ENGINE_OPTIONS,
  queue: true,
  secret: true,
} as const satisfies KnownOptions<WorkerOptions>;

/** Options of {@link createWorker}. */
export interface WorkerOptions<S extends DedupeStore = DedupeStore>
  extends WebhookEngineOptions<S> {
  /** The queue the receivers enqueue into, e.g. `bullmqQueue(...)`. */
  queue: WebhookQueue;
  /**
   * The receivers' webhook secret(s), rotated ones too. A worker verifies nothing: it uses
   * them only to scrub them from failure text (dead letters, `status()`, logs), in case a
   * handler's error quotes one.
   * @default none (failure text is kept as the handler's error says it)
   * @example process.env.PASSFORT_WEBHOOK_SECRET
   */
  secret?: string | readonly string[];
}

/** A queue worker: runs handlers for webhooks a receiver enqueued, possibly elsewhere. */
export interface PassfortWorker<Tx = unknown> extends WebhookHandling<Tx> {
  /** Starts consuming the queue; register handlers first. */
  start(): Promise<void>;
  /**
   * Stops consuming, waits for the webhook in progress (a wait between its attempts is cut
   * short and it stays queued), closes the queue and default store.
   */
  close(): Promise<void>;
}

/**
 * Runs the handlers of webhooks enqueued by a receiver with `delivery: 'queue'`, in this
 * or another process, with the same exactly-once, retry and dead-letter rules. Give it the
 * same store as the receivers. Handlers are registered on it as on a receiver.
 *
 * @example
 * const worker = createWorker({ queue: bullmqQueue({ connection }), store: redisStore({ client }) });
 * worker.on('CHECK_COMPLETED', async (event) => fetchCheck(event.data.profile_id));
 * await worker.start();
 */
export function createWorker<S extends DedupeStore = DedupeStore>(
  options: WorkerOptions<S>,
): PassfortWorker<TransactionClientOf<S>> {
  refuseUnknownOptions('createWorker', options, WORKER_OPTIONS);
  if (options?.queue === undefined) throw new ConfigurationError('createWorker needs a queue');
  const engine = createWebhookEngine<TransactionClientOf<S>>(
    options as WebhookEngineOptions,
    { queue: options.queue, owned: true },
    webhookSecret(options.secret).redact,
  );
  let started = false;
  return {
    on: engine.on,
    onAny: engine.onAny,
    onError: engine.onError,
    status: engine.status,
    deadLetters: engine.deadLetters,
    async start() {
      if (started) return;
      started = true;
      await options.queue.consume(engine.processQueued);
    },
    close: () => engine.close(),
  };
}
