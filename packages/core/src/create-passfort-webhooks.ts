import { resolveQueue } from './delivery/queued/engine-queue.js';
import { createWebhookEngine } from './delivery/webhook-engine.js';
import type { WebhookEngineOptions } from './delivery/webhook-engine-options.js';
import type { WebhookHandling } from './delivery/webhook-handling.js';
import { ConfigurationError } from './errors/configuration-error.js';
import { ReceiverClosingError } from './errors/receiver-closing-error.js';
import { ADOPT_LOGGER, adoptableLogger, resolveLogger } from './observability/console-logger.js';
import { NO_SCOPE } from './observability/instrumentation.js';
import { SampledWarnings } from './observability/sampled-warnings.js';
import { positiveInteger } from './options/positive-integer.js';
import { refuseUnknownOptions } from './options/refuse-unknown-options.js';
import { resolveDeadlines } from './options/resolve-deadlines.js';
import { secretMissingError } from './options/resolve-secrets.js';
import {
  PASSFORT_WEBHOOKS_OPTIONS,
  type PassfortWebhooksOptions,
} from './passfort-webhooks-options.js';
import { discardBody } from './receive/discard-body.js';
import { type FetchOptions, fetchRequest, fetchResponse } from './receive/fetch-request.js';
import { InFlightRequests } from './receive/in-flight-requests.js';
import { createIpAllowList } from './receive/ip/ip-allow-list.js';
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
import type { WebhookRequest, WebhookResponse } from './receive/webhook-request.js';
import { jsonResponse } from './receive/webhook-response.js';
import { webhookSecret } from './receive/webhook-secret.js';
import type { DedupeStore } from './stores/dedupe-store.js';
import type { TransactionClientOf } from './stores/transactional-store.js';

// The receiver's public types, where the main entry takes them from.
export type { PassfortWebhooksOptions } from './passfort-webhooks-options.js';
export type { FetchOptions } from './receive/fetch-request.js';

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
  const secret = webhookSecret(options.secret);
  const { verifier } = secret;
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
    secret.redact,
  );
  const logger = defaultLogger ?? resolveLogger(options.logger);
  const refusals = new SampledWarnings();
  if (engineQueue !== undefined && options.consume !== false) {
    void engineQueue.queue.consume(engine.processQueued);
  }
  const requests = new InFlightRequests();

  const { instrumentation } = options;
  /**
   * Receives and delivers one request; a refusal or failure becomes its response. Never
   * rejects. Inline, with one await per step that may wait: every extra layer of async
   * functions would cost a promise and a microtask on every request.
   */
  async function handle(request: WebhookRequest): Promise<WebhookResponse> {
    requests.enter();
    const scope =
      instrumentation?.delivery('request', { method: request.method, path: request.path }) ??
      NO_SCOPE;
    // The clock is read only for what reports a duration.
    const timed = scope !== NO_SCOPE || logger.info !== undefined;
    // Always read: status() reports the ack latency (a clock read costs tens of nanoseconds).
    const started = Date.now();
    let answer: RequestAnswer;
    try {
      if (requests.closing) throw new ReceiverClosingError();
      if (!secret.configured) throw secretMissingError();
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
        // Inline or queued, as the engine was built: this side only answers for it.
        const outcome = await engine.deliver(received.items, deadlineAt, scope, request);
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
      requests.leave();
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
      return fetchResponse(await handle(fetchRequest(request, fetchOptions)));
    },
    async close() {
      await requests.close();
      await engine.close();
    },
  };
  // Lets the console refuse the webhook secret as its token and scrub it, without holding it.
  secret.lendTo(receiver);
  // Lets an adapter log through its framework's logger when the app chose none.
  if (defaultLogger !== undefined) {
    Object.defineProperty(receiver, ADOPT_LOGGER, { value: defaultLogger.adopt });
  }
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
