import { enqueueBatch } from './delivery/queued/enqueue-batch.js';
import { beforeDeadline, LATE } from './delivery/time/deadline.js';
import {
  createWebhookEngine,
  ENGINE_OPTIONS,
  resolveQueue,
  type WebhookEngineOptions,
  type WebhookHandling,
} from './delivery/webhook-engine.js';
import { ConfigurationError } from './errors/configuration-error.js';
import { QueueUnavailableError } from './errors/queue-unavailable-error.js';
import { ReceiverClosingError } from './errors/receiver-closing-error.js';
import { StoreUnavailableError } from './errors/store-unavailable-error.js';
import { ADOPT_LOGGER, adoptableLogger, resolveLogger } from './observability/console-logger.js';
import { NO_SCOPE } from './observability/instrumentation.js';
import { createRedactor, REDACT_SECRETS } from './observability/redact-secrets.js';
import { SampledWarnings } from './observability/sampled-warnings.js';
import { positiveInteger } from './options/positive-integer.js';
import { type KnownOptions, refuseUnknownOptions } from './options/refuse-unknown-options.js';
import { resolveDeadlines } from './options/resolve-deadlines.js';
import { resolveSecrets, secretMissingError } from './options/resolve-secrets.js';
import type { WebhookQueue } from './queues/webhook-queue.js';
import { discardBody } from './receive/discard-body.js';
import {
  type AllowIps,
  createIpAllowList,
  type TrustProxyOption,
} from './receive/ip/ip-allow-list.js';
import { readBody, readerResult } from './receive/read-body.js';
import { checkRequestHead, hasValidBearer, receiveBody } from './receive/receive-request.js';
import {
  deliveryAnswer,
  plainAnswer,
  type RequestAnswer,
  refusalAnswer,
  reportAnswer,
} from './receive/request-answer.js';
import { PASSFORT_MAX_BATCH_SIZE } from './receive/unwrap-batch.js';
import { createSecretVerifier, MATCHES_WEBHOOK_SECRET } from './receive/verify-secret.js';
import type { WebhookRequest, WebhookResponse } from './receive/webhook-request.js';
import { jsonResponse } from './receive/webhook-response.js';
import type { DedupeStore } from './stores/dedupe-store.js';
import type { TransactionClientOf } from './stores/transactional-store.js';

/** The options it accepts: an unknown one is refused (see `refuseUnknownOptions`). */
const PASSFORT_WEBHOOKS_OPTIONS = {
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

/**
 * Options of {@link PassfortWebhooks.fetch}. A Cloudflare Workers `ExecutionContext` is one: pass
 * the `ctx` of `fetch(request, env, ctx)` as it is.
 */
export interface FetchOptions {
  /** The peer address, when the runtime exposes it. */
  ip?: string;
  /**
   * The runtime's hold on work that outlives the answer (see {@link WebhookRequest.waitUntil}):
   * on Cloudflare Workers, the request's `ExecutionContext`, whose `waitUntil` this is. Without
   * it, a handler still running when the deadline answers is cancelled there.
   */
  waitUntil?(promise: Promise<unknown>): void;
}

/**
 * A Passfort webhook receiver. Create it with {@link createPassfortWebhooks}. `Tx` is the
 * connection `ctx.transaction` hands to handlers (`never` without a SQL store).
 */
export interface PassfortWebhooks<Tx = unknown> extends WebhookHandling<Tx> {
  /**
   * Processes one HTTP request, framework-neutral. Never rejects: every outcome, including
   * an unexpected error, is a response to write back.
   */
  handle(request: WebhookRequest): Promise<WebhookResponse>;
  /**
   * {@link PassfortWebhooks.handle} for Web-standard runtimes: `Request` in, `Response` out. On
   * Cloudflare Workers pass the execution context, so that a handler still running when the
   * deadline answers finishes under its `waitUntil`.
   *
   * @example
   * export default { fetch: (request, env, ctx) => webhooks.fetch(request, ctx) };
   */
  fetch(request: Request, options?: FetchOptions): Promise<Response>;
  /**
   * Stops taking requests (they get 503), waits for those in flight and for handlers still
   * running past a deadline, closes the queue it delivers to, given or default (an in-process
   * queue first drains, for up to its `drainTimeoutMs`, and logs each acked webhook it then
   * drops), and closes the default store.
   */
  close(): Promise<void>;
}

/** The body limit when `maxBodyBytes` is not set: a batch of collected-data events can reach megabytes. */
const DEFAULT_MAX_BODY_BYTES = 10 * 1024 * 1024;

/**
 * Creates a Passfort webhook receiver. Mount it with an adapter (`@passfort-webhooks/express`,
 * `/koa`, `/hono`) or call {@link PassfortWebhooks.handle} / {@link PassfortWebhooks.fetch}.
 * An empty or malformed secret throws here, at start-up. An absent one (`undefined`: its
 * environment variable is not set, as during `next build`) does not: each request is then
 * answered 500 and logged as an error, so a module may create its receiver at import time.
 *
 * @example
 * const webhooks = createPassfortWebhooks({ secret: process.env.PASSFORT_WEBHOOK_SECRET! });
 * webhooks.on('CHECK_COMPLETED', async (event) => fetchCheckResult(event.data.profile_id));
 */
export function createPassfortWebhooks<S extends DedupeStore = DedupeStore>(
  options: PassfortWebhooksOptions<S>,
): PassfortWebhooks<TransactionClientOf<S>> {
  refuseUnknownOptions('createPassfortWebhooks', options, PASSFORT_WEBHOOKS_OPTIONS);
  if (typeof options !== 'object' || options === null) {
    throw new ConfigurationError('createPassfortWebhooks needs an options object with a secret');
  }
  // An absent secret (an environment variable not set yet, as during `next build`) is checked at
  // the first request instead: see `secretMissingError`. A present but invalid one throws here.
  const secrets = options.secret === undefined ? [] : resolveSecrets(options.secret);
  const verifier = createSecretVerifier(secrets);
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
  const engineQueue =
    delivery === 'queue'
      ? { ...resolveQueue(options.queue), consumed: options.consume !== false }
      : undefined;
  // No logger given: the console's, until an adapter hands over its framework's (ADOPT_LOGGER).
  const defaultLogger = options.logger === undefined ? adoptableLogger() : undefined;
  const engineOptions =
    defaultLogger === undefined ? options : { ...options, logger: defaultLogger };
  const engine = createWebhookEngine<TransactionClientOf<S>>(
    engineOptions as WebhookEngineOptions,
    engineQueue,
    secrets,
  );
  const logger = defaultLogger ?? resolveLogger(options.logger);
  const refusals = new SampledWarnings();
  if (engineQueue !== undefined && options.consume !== false) {
    void engineQueue.queue.consume(engine.processQueued);
  }

  // Requests in flight, for close(): a count and a waiter rather than a set of promises, so
  // that handle() is a single async function.
  let inFlight = 0;
  let drained: { promise: Promise<void>; resolve(): void } | undefined;
  let closing = false;

  const { instrumentation } = options;
  /**
   * Receives and delivers one request; a refusal or failure becomes its response. Never
   * rejects. Inline, with one await per step that may wait: every extra layer of async
   * functions would cost a promise and a microtask on every request.
   */
  async function handle(request: WebhookRequest): Promise<WebhookResponse> {
    inFlight++;
    const scope =
      instrumentation?.delivery('request', { method: request.method, path: request.path }) ??
      NO_SCOPE;
    // The clock is read only for what reports a duration.
    const timed = scope !== NO_SCOPE || logger.info !== undefined;
    // Always read: status() reports the ack latency (a clock read costs tens of nanoseconds).
    const started = Date.now();
    let answer: RequestAnswer;
    try {
      if (closing) throw new ReceiverClosingError();
      if (secrets.length === 0) throw secretMissingError();
      if (
        options.exposeStatus === true &&
        request.method.toUpperCase() === 'GET' &&
        hasValidBearer(request, verifier)
      ) {
        answer = plainAnswer(jsonResponse(200, await engine.status()));
      } else {
        const head = checkRequestHead(request, verifier, limits);
        // A reader (the adapters' usual body) is awaited here directly: one hop, not two.
        const body =
          typeof request.body === 'function'
            ? readerResult(await request.body(limits.maxBodyBytes))
            : await readBody(request.body, limits.maxBodyBytes);
        const received = receiveBody(body, head, verifier, limits);
        engine.observeReceived(received.items);
        const deadlineAt = Date.now() + (received.batched ? deadlines.batch : deadlines.single);
        const outcome =
          engineQueue === undefined
            ? await engine.inline.deliver(received.items, deadlineAt, scope, request)
            : await enqueueBatch(
                engine.store,
                engine.leaseMs,
                engineQueue.queue,
                received.items,
                scope,
                deadlineAt,
              );
        if (engineQueue !== undefined && instrumentation?.queueDepth !== undefined) {
          // Reported only if the queue answers in time: a gauge is not worth a late answer.
          const waiting = await beforeDeadline(
            Promise.resolve(engineQueue.queue.waiting()),
            deadlineAt,
          ).catch((): typeof LATE => LATE);
          if (typeof waiting === 'number') instrumentation.queueDepth(waiting);
        }
        if (
          engineQueue !== undefined &&
          (StoreUnavailableError.is(outcome.error) || QueueUnavailableError.is(outcome.error))
        ) {
          engine.notifyDeliveryFailure(outcome.error);
        }
        answer = deliveryAnswer(outcome);
        engine.recordRequest(outcome.received, outcome.duplicates, Date.now() - started);
      }
    } catch (error) {
      answer = refusalAnswer(error, logger, refusals);
      // A body refused unread by its length is read to its end first: see discardBody.
      if (answer.response.status === 413) {
        await discardBody(request.body as ReadableStream<Uint8Array>, 2 * limits.maxBodyBytes);
      }
    } finally {
      inFlight--;
      if (inFlight === 0 && drained !== undefined) {
        drained.resolve();
        drained = undefined;
      }
    }
    if (timed) reportAnswer(answer, Date.now() - started, scope, logger);
    return answer.response;
  }

  const receiver: PassfortWebhooks<TransactionClientOf<S>> = {
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
        path: new URL(request.url).pathname,
        // A method of the options, as ExecutionContext.waitUntil must be called.
        waitUntil:
          fetchOptions.waitUntil === undefined
            ? undefined
            : (promise) => fetchOptions.waitUntil?.(promise),
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
  // Not enumerable and not public: lets the console refuse the webhook secret as its token.
  Object.defineProperty(receiver, MATCHES_WEBHOOK_SECRET, {
    value: (candidate: string) => verifier.verifyAll([candidate]),
  });
  // Lets an adapter log through its framework's logger when the app chose none.
  if (defaultLogger !== undefined) {
    Object.defineProperty(receiver, ADOPT_LOGGER, { value: defaultLogger.adopt });
  }
  // Likewise: lets the console scrub the webhook secrets from what it answers and logs.
  Object.defineProperty(receiver, REDACT_SECRETS, { value: createRedactor(secrets) });
  return receiver;
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
