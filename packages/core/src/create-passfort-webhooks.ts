import { ConfigurationError, PassfortWebhookError, StoreError } from './errors.js';
import { type DeliveryCounts, type DeliveryScope, NO_SCOPE } from './instrumentation.js';
import { type AllowIps, createIpAllowList, type TrustProxyOption } from './ip/ip-allow-list.js';
import { describeError } from './logger.js';
import { readBody, readerResult } from './read-body.js';
import { checkRequestHead, hasValidBearer, receiveBody } from './receive-request.js';
import { PASSFORT_MAX_BATCH_SIZE } from './unwrap-batch.js';
import type { BatchItem } from './validate-envelope.js';
import { createSecretVerifier } from './verify-secret.js';
import {
  createWebhookEngine,
  type EngineQueue,
  positiveInteger,
  resolveQueue,
  type WebhookEngine,
  type WebhookEngineOptions,
  type WebhookHandling,
} from './webhook-engine.js';
import type { DeliveryOutcome } from './webhook-processor.js';
import type { WebhookQueue } from './webhook-queue.js';
import type { WebhookRequest, WebhookResponse } from './webhook-request.js';
import { countsOf, countsResponse, errorResponse, jsonResponse } from './webhook-response.js';

/** Options of {@link createPassfortWebhooks}. */
export interface PassfortWebhooksOptions extends WebhookEngineOptions {
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

/** Options of {@link PassfortWebhooks.fetch}. */
export interface FetchOptions {
  /** The peer address, when the runtime exposes it. */
  ip?: string;
}

/** A Passfort webhook receiver. Create it with {@link createPassfortWebhooks}. */
export interface PassfortWebhooks extends WebhookHandling {
  /**
   * Processes one HTTP request, framework-neutral. Never rejects: every outcome, including
   * an unexpected error, is a response to write back.
   */
  handle(request: WebhookRequest): Promise<WebhookResponse>;
  /** {@link PassfortWebhooks.handle} for Web-standard runtimes: `Request` in, `Response` out. */
  fetch(request: Request, options?: FetchOptions): Promise<Response>;
  /**
   * Stops taking requests (they get 503), waits for those in flight and for handlers still
   * running past a deadline, drains an in-process queue, and closes the default store.
   */
  close(): Promise<void>;
}

const DEFAULT_MAX_BODY_BYTES = 10 * 1024 * 1024;

function resolveSecrets(secret: unknown): string[] {
  const list = Array.isArray(secret) ? secret : [secret];
  if (list.length === 0 || secret === undefined || secret === null) {
    throw new ConfigurationError(
      'A webhook secret is required: createPassfortWebhooks({ secret: process.env.PASSFORT_WEBHOOK_SECRET })',
    );
  }
  for (const value of list) {
    if (typeof value !== 'string' || value.trim() === '') {
      throw new ConfigurationError('Every webhook secret must be a non-empty string');
    }
  }
  return list as string[];
}

function resolveDeadlines(deadline: PassfortWebhooksOptions['deadlineMs']) {
  const given = typeof deadline === 'number' ? { batch: deadline, single: deadline } : deadline;
  return {
    batch: positiveInteger('deadlineMs.batch', given?.batch, 4000),
    single: positiveInteger('deadlineMs.single', given?.single, 9000),
  };
}

/**
 * Creates a Passfort webhook receiver. Mount it with an adapter (`@passfort-webhooks/express`,
 * `/koa`, `/hono`) or call {@link PassfortWebhooks.handle} / {@link PassfortWebhooks.fetch}.
 * A missing or empty secret throws here, at start-up, never at the first request.
 *
 * @example
 * const webhooks = createPassfortWebhooks({ secret: process.env.PASSFORT_WEBHOOK_SECRET! });
 * webhooks.on('CHECK_COMPLETED', async (event) => fetchCheckResult(event.data.profile_id));
 */
export function createPassfortWebhooks(options: PassfortWebhooksOptions): PassfortWebhooks {
  if (typeof options !== 'object' || options === null) {
    throw new ConfigurationError('createPassfortWebhooks needs an options object with a secret');
  }
  const verifier = createSecretVerifier(resolveSecrets(options.secret));
  const limits = {
    maxBodyBytes: positiveInteger('maxBodyBytes', options.maxBodyBytes, DEFAULT_MAX_BODY_BYTES),
    maxBatchSize: positiveInteger('maxBatchSize', options.maxBatchSize, PASSFORT_MAX_BATCH_SIZE),
    checkIp: createIpAllowList(options.allowIps, options.trustProxy),
  };
  const deadlines = resolveDeadlines(options.deadlineMs);
  const delivery = options.delivery ?? 'inline';
  if (delivery !== 'inline' && delivery !== 'queue') {
    throw new ConfigurationError("delivery must be 'inline' or 'queue'");
  }
  if (delivery === 'inline' && options.queue !== undefined) {
    throw new ConfigurationError(
      "A queue was given but delivery is 'inline'; set delivery: 'queue'",
    );
  }
  const engineQueue = delivery === 'queue' ? resolveQueue(options.queue) : undefined;
  const engine = createWebhookEngine(options, engineQueue);
  const logger = options.logger ?? {};
  if (engineQueue !== undefined && options.consume !== false) {
    void engineQueue.queue.consume((item) => engine.processor.processQueued(item));
  }

  // Requests in flight, for close(): a count and a waiter rather than a set of promises, so
  // that handle() is a single async function.
  let inFlight = 0;
  let drained: { promise: Promise<void>; resolve(): void } | undefined;
  let closing = false;

  const { instrumentation } = options;
  const noCounts: DeliveryCounts = {
    received: 0,
    processed: 0,
    duplicates: 0,
    deadLettered: 0,
    echoes: 0,
  };

  interface Processed {
    response: WebhookResponse;
    counts: DeliveryCounts;
    errorCode?: string;
  }

  /**
   * Receives and delivers one request; a refusal or failure becomes its response. Never
   * rejects. Inline, with one await per step that may wait: every extra layer of async
   * functions would cost a promise and a microtask on every request.
   */
  async function handle(request: WebhookRequest): Promise<WebhookResponse> {
    inFlight++;
    const scope = instrumentation?.delivery('request') ?? NO_SCOPE;
    // The clock is read only for what reports a duration.
    const timed = scope !== NO_SCOPE || logger.info !== undefined;
    const started = timed ? Date.now() : 0;
    let processed: Processed;
    try {
      if (closing) throw new StoreError('SHUTTING_DOWN', 'The receiver is shutting down');
      if (
        options.exposeStatus === true &&
        request.method.toUpperCase() === 'GET' &&
        hasValidBearer(request, verifier)
      ) {
        processed = { response: jsonResponse(200, await engine.status()), counts: noCounts };
      } else {
        const head = checkRequestHead(request, verifier, limits);
        // A reader (the adapters' usual body) is awaited here directly: one hop, not two.
        const body =
          typeof request.body === 'function'
            ? readerResult(await request.body(limits.maxBodyBytes))
            : await readBody(request.body, limits.maxBodyBytes);
        const received = receiveBody(body, head, verifier, limits);
        const outcome =
          engineQueue === undefined
            ? await engine.processor.deliverBatch(
                received.items,
                Date.now() + (received.batched ? deadlines.batch : deadlines.single),
                scope,
              )
            : await enqueueBatch(engine, engineQueue, received.items, scope);
        if (engineQueue !== undefined && instrumentation?.queueDepth !== undefined) {
          instrumentation.queueDepth(await engineQueue.queue.waiting());
        }
        const { error } = outcome;
        const counts = countsOf(outcome);
        processed =
          error === undefined
            ? { response: countsResponse(counts), counts }
            : { response: errorResponse(error, counts), counts, errorCode: error.code };
      }
    } catch (error) {
      processed = refused(error);
    } finally {
      inFlight--;
      if (inFlight === 0 && drained !== undefined) {
        drained.resolve();
        drained = undefined;
      }
    }
    if (timed) report(scope, processed, Date.now() - started);
    return processed.response;
  }

  /** The response to a refusal or failure, logged (a 5xx as an error). */
  function refused(error: unknown): Processed {
    const response = errorResponse(error);
    const errorCode = PassfortWebhookError.is(error) ? error.code : 'INTERNAL_ERROR';
    if (response.status >= 500) {
      logger.error?.({ error: describeError(error) }, 'webhook request failed');
    } else {
      logger.info?.(
        { outcome: 'refused', status: response.status, errorCode, error: describeError(error) },
        'webhook request refused',
      );
    }
    return { response, counts: noCounts, errorCode };
  }

  function report(scope: DeliveryScope, processed: Processed, durationMs: number): void {
    const { response, counts, errorCode } = processed;
    if (scope !== NO_SCOPE) {
      scope.end({
        status: response.status,
        durationMs,
        counts,
        ...(errorCode === undefined ? {} : { errorCode }),
      });
    }
    logger.info?.(
      { outcome: 'answered', status: response.status, durationMs, ...counts },
      'webhook request answered',
    );
  }

  return {
    on: engine.on,
    onAny: engine.onAny,
    onError: engine.onError,
    status: engine.status,
    deadLetters: engine.deadLetters,
    handle,
    async fetch(request, fetchOptions = {}) {
      const response = await handle({
        method: request.method,
        headers: request.headers,
        body: request.body,
        bodyAlreadyRead: request.bodyUsed,
        ip: fetchOptions.ip,
      });
      return new Response(response.body, { status: response.status, headers: response.headers });
    },
    async close() {
      closing = true;
      if (inFlight > 0) {
        if (drained === undefined) {
          let resolve!: () => void;
          const promise = new Promise<void>((done) => {
            resolve = done;
          });
          drained = { promise, resolve };
        }
        await drained.promise;
      }
      await engine.close();
    },
  };
}

/** Dedupe-store key recording that a webhook was enqueued (the worker claims the bare id). */
const enqueuedKey = (id: string) => `enqueued:${id}`;

/**
 * Queue delivery: claims the batch's "enqueued" records (a webhook enqueued before is a
 * duplicate; one being enqueued by a concurrent request stops the batch with 503),
 * enqueues the new webhooks in order, records them as enqueued, and only then acks. The
 * worker claims each webhook id itself when it runs it: that is what makes it exactly-once.
 */
async function enqueueBatch(
  engine: WebhookEngine,
  { queue }: EngineQueue,
  items: readonly BatchItem[],
  scope: DeliveryScope,
): Promise<DeliveryOutcome & { queued: number }> {
  const outcome = {
    received: items.length,
    processed: 0,
    duplicates: 0,
    deadLettered: 0,
    echoes: 0,
    queued: 0,
  };
  if (items.length === 0) return outcome;
  const unique = new Map<string, BatchItem>();
  for (const item of items) if (!unique.has(item.event.id)) unique.set(item.event.id, item);
  const ids = [...unique.keys()];
  let claims: Awaited<ReturnType<typeof engine.store.claim>>;
  try {
    claims = await engine.store.claim(ids.map(enqueuedKey), { leaseMs: engine.leaseMs });
  } catch (cause) {
    const error = new StoreError('STORE_UNAVAILABLE', 'Dedupe store is unavailable', { cause });
    return { ...outcome, error };
  }
  const claimed = ids.filter((_, i) => claims[i]?.status === 'claimed');
  const busyAt = ids.findIndex((_, i) => claims[i]?.status === 'busy');
  // Order holds: nothing after a webhook still being enqueued elsewhere is enqueued now.
  const toQueue = ids
    .slice(0, busyAt === -1 ? ids.length : busyAt)
    .filter((_, i) => claims[i]?.status === 'claimed')
    .map((id) => unique.get(id)!);
  outcome.duplicates = items.length - ids.length + claims.filter((c) => c.status === 'done').length;
  let error: StoreError | undefined;
  if (busyAt !== -1) {
    const { index } = unique.get(ids[busyAt]!)!;
    error = new StoreError(
      'IN_PROGRESS',
      `Webhook ${ids[busyAt]} at index ${index} is being enqueued by another delivery`,
      { index, id: ids[busyAt]! },
    );
  }
  const queuedKeys = toQueue.map((item) => enqueuedKey(item.event.id));
  try {
    const receivedAt = Date.now();
    await queue.enqueue(
      toQueue.map((item) => ({
        webhook: item.event,
        index: item.index,
        batchSize: items.length,
        receivedAt,
      })),
    );
    outcome.queued = toQueue.length;
    await engine.store.complete(queuedKeys);
    for (const item of toQueue) {
      scope
        .envelope({ id: item.event.id, event: item.event.event, index: item.index })
        .end({ outcome: 'queued' });
    }
  } catch (cause) {
    error ??= new StoreError('QUEUE_UNAVAILABLE', 'The webhook queue is unavailable', { cause });
  } finally {
    const notQueued =
      outcome.queued === 0
        ? claimed.map(enqueuedKey)
        : claimed.map(enqueuedKey).filter((key) => !queuedKeys.includes(key));
    await Promise.resolve(engine.store.release(notQueued)).catch(() => {});
  }
  return error === undefined ? outcome : { ...outcome, error };
}

/**
 * Returns `input` if it already is a receiver, or creates one from options. Lets every
 * adapter accept either: `passfortWebhooks(webhooks)` or `passfortWebhooks({ secret, on })`.
 */
export function resolvePassfortWebhooks(
  input: PassfortWebhooks | PassfortWebhooksOptions,
): PassfortWebhooks {
  return typeof (input as PassfortWebhooks).handle === 'function'
    ? (input as PassfortWebhooks)
    : createPassfortWebhooks(input as PassfortWebhooksOptions);
}
