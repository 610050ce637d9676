import { checkContentType } from './check-content-type.js';
import type { DedupeStore } from './dedupe-store.js';
import { deliverInline } from './deliver-inline.js';
import { AuthenticationError, ConfigurationError, PayloadError, StoreError } from './errors.js';
import type { PassfortEventName } from './events/event-schemas.js';
import { describeError, type Logger } from './logger.js';
import { memoryStore } from './memory-store.js';
import { parseJson } from './parse-json.js';
import { readBody } from './read-body.js';
import { readHeader } from './read-header.js';
import { PASSFORT_MAX_BATCH_SIZE, unwrapBatch } from './unwrap-batch.js';
import { validateEnvelope, validateEventData } from './validate-envelope.js';
import { createSecretVerifier, readBearerToken } from './verify-secret.js';
import {
  type AnyWebhookHandler,
  HandlerRegistry,
  type WebhookErrorHandler,
  type WebhookHandler,
  type WebhookHandlerMap,
} from './webhook-handlers.js';
import type { WebhookRequest, WebhookResponse } from './webhook-request.js';
import { errorResponse, jsonResponse } from './webhook-response.js';

/** Options of {@link createPassfortWebhooks}. */
export interface PassfortWebhooksOptions {
  /**
   * The shared secret Passfort sends as `Authorization: Bearer` and in each webhook's
   * `secret` field. Several secrets are accepted at once while rotating.
   * @example process.env.PASSFORT_WEBHOOK_SECRET
   */
  secret: string | readonly string[];
  /**
   * Where handled webhook ids are remembered, so a redelivered webhook is skipped.
   * @default memoryStore()
   */
  store?: DedupeStore;
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
   * How long a webhook id stays claimed by a delivery before another may take it over,
   * so a crashed process cannot hold an id for ever.
   * @default 60_000
   */
  leaseMs?: number;
  /** Handlers by event name, registered as if by `on()`. */
  on?: WebhookHandlerMap;
  /** A pino-compatible logger. Nothing is logged by default. Secrets are never logged. */
  logger?: Logger;
}

/** Options of {@link PassfortWebhooks.fetch}. */
export interface FetchOptions {
  /** The peer address, when the runtime exposes it. */
  ip?: string;
}

/** A Passfort webhook receiver. Create it with {@link createPassfortWebhooks}. */
export interface PassfortWebhooks {
  /**
   * Registers a handler for one documented event, or several; `event` is typed from the
   * event's schema. Handlers of one event run in registration order, before `onAny`.
   * Returns a function that removes the handler.
   * @example
   * webhooks.on('PRODUCT_STATUS_CHANGED', async (event) => {
   *   await db.applications.setStatus(event.data.application_id, event.data.new_status);
   * });
   */
  on<E extends PassfortEventName>(event: E | readonly E[], handler: WebhookHandler<E>): () => void;
  /** Registers a handler for every webhook, including events this version does not know. */
  onAny(handler: AnyWebhookHandler): () => void;
  /** Hears handler failures and payloads that did not match their event's schema. */
  onError(handler: WebhookErrorHandler): () => void;
  /**
   * Processes one HTTP request, framework-neutral. Never rejects: every outcome, including
   * an unexpected error, is a response to write back.
   */
  handle(request: WebhookRequest): Promise<WebhookResponse>;
  /** {@link PassfortWebhooks.handle} for Web-standard runtimes: `Request` in, `Response` out. */
  fetch(request: Request, options?: FetchOptions): Promise<Response>;
  /** Stops taking requests (they get 503), waits for those in flight, closes the default store. */
  close(): Promise<void>;
}

const DEFAULT_MAX_BODY_BYTES = 10 * 1024 * 1024;

function positiveInteger(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new ConfigurationError(`${name} must be a positive integer, got ${String(value)}`);
  }
  return value;
}

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
  const maxBodyBytes = positiveInteger(
    'maxBodyBytes',
    options.maxBodyBytes,
    DEFAULT_MAX_BODY_BYTES,
  );
  const maxBatchSize = positiveInteger(
    'maxBatchSize',
    options.maxBatchSize,
    PASSFORT_MAX_BATCH_SIZE,
  );
  const leaseMs = positiveInteger('leaseMs', options.leaseMs, 60_000);
  const ownsStore = options.store === undefined;
  const store = options.store ?? memoryStore();
  const logger = options.logger ?? {};
  const handlers = new HandlerRegistry();
  for (const [event, handler] of Object.entries(options.on ?? {})) {
    const list = Array.isArray(handler) ? handler : [handler];
    for (const one of list) {
      if (typeof one !== 'function') {
        throw new ConfigurationError(`The handler for ${event} in options.on is not a function`);
      }
      handlers.on(event, one);
    }
  }

  const inFlight = new Set<Promise<WebhookResponse>>();
  let closing = false;

  async function process(request: WebhookRequest): Promise<WebhookResponse> {
    if (closing) throw new StoreError('SHUTTING_DOWN', 'The receiver is shutting down');
    if (request.method.toUpperCase() !== 'POST') {
      throw new PayloadError('METHOD_NOT_ALLOWED', 'Only POST is accepted');
    }
    checkContentType(readHeader(request.headers, 'content-type'));
    const declaredLength = Number(readHeader(request.headers, 'content-length'));
    if (declaredLength > maxBodyBytes) {
      throw new PayloadError(
        'PAYLOAD_TOO_LARGE',
        `Body is larger than the limit of ${maxBodyBytes} bytes`,
      );
    }
    // The Bearer header is checked before the body is read, so an unauthenticated client
    // cannot make the receiver buffer and parse megabytes.
    const bearer = readBearerToken(readHeader(request.headers, 'authorization'));
    if (bearer !== undefined && !(await verifier.verifyAll([bearer]))) {
      throw new AuthenticationError('Authorization header does not carry a valid secret');
    }
    if (request.bodyAlreadyRead === true) {
      throw new PayloadError(
        'BODY_ALREADY_READ',
        'The request body was consumed by another middleware before the webhook receiver',
      );
    }
    const objects = unwrapBatch(
      parseJson(await readBody(request.body, maxBodyBytes)),
      maxBatchSize,
    );
    const presented: string[] = [];
    let missing = false;
    for (const object of objects) {
      const secret = object['secret'];
      if (typeof secret === 'string') presented.push(secret);
      else missing = true;
    }
    if (bearer === undefined && objects.length === 0) {
      throw new AuthenticationError('No webhook secret was presented');
    }
    if (missing || (presented.length > 0 && !(await verifier.verifyAll(presented)))) {
      throw new AuthenticationError('A webhook in the request does not carry a valid secret');
    }
    const items = objects.map((object, index) =>
      validateEventData(validateEnvelope(object, index), index),
    );
    const outcome = await deliverInline(items, { store, leaseMs, handlers, logger });
    const counts = {
      received: outcome.received,
      processed: outcome.processed,
      duplicates: outcome.duplicates,
    };
    return outcome.error === undefined
      ? jsonResponse(200, counts)
      : errorResponse(outcome.error, counts);
  }

  async function handle(request: WebhookRequest): Promise<WebhookResponse> {
    const pending = process(request).catch((error: unknown) => {
      const response = errorResponse(error);
      if (response.status >= 500) {
        logger.error?.({ error: describeError(error) }, 'webhook request failed');
      } else {
        logger.info?.({ status: response.status, error: describeError(error) }, 'webhook refused');
      }
      return response;
    });
    inFlight.add(pending);
    try {
      return await pending;
    } finally {
      inFlight.delete(pending);
    }
  }

  return {
    on(event, handler) {
      return handlers.on(event, handler as AnyWebhookHandler);
    },
    onAny: (handler) => handlers.onAny(handler),
    onError: (handler) => handlers.onError(handler),
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
      await Promise.allSettled([...inFlight]);
      if (ownsStore) await store.close?.();
    },
  };
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
