import { AuthenticationError } from '../errors/authentication-error.js';
import { PayloadError } from '../errors/payload-error.js';
import { type BatchItem, validateEventData } from '../events/validate-event-data.js';
import { checkContentType } from './check-content-type.js';
import { parseJson } from './parse-json.js';
import type { ReadBody } from './read-body.js';
import { readHeader } from './read-header.js';
import { unwrapBatch } from './unwrap-batch.js';
import { validateEnvelope } from './validate-envelope.js';
import type { SecretVerifier } from './verify-secret.js';
import { readBearerToken } from './verify-secret.js';
import type { WebhookRequest } from './webhook-request.js';

export interface ReceiveLimits {
  readonly maxBodyBytes: number;
  readonly maxBatchSize: number;
  /** The IP allow list, when one is configured: throws a 403. */
  readonly checkIp: ((request: WebhookRequest) => void) | undefined;
}

/** A request that passed every check: its webhooks in order, validated, secrets dropped. */
export interface ReceivedBatch {
  readonly items: BatchItem[];
  /** True when the body was a JSON array (Passfort's batching is on). */
  readonly batched: boolean;
}

/** What the checks before the body found: the Bearer token, when one was sent. */
export interface CheckedHead {
  readonly bearer: string | undefined;
}

const NO_BEARER: CheckedHead = Object.freeze({ bearer: undefined });

/**
 * Steps 1 and 2 of "One request" in the core README, everything decided before the body is
 * read: method, content type, IP, declared size, Bearer header, body not consumed elsewhere.
 * The Bearer header is checked here, so an unauthenticated client cannot make the receiver
 * buffer and parse megabytes.
 */
export function checkRequestHead(
  request: WebhookRequest,
  verifier: SecretVerifier,
  limits: ReceiveLimits,
): CheckedHead {
  if (request.method !== 'POST' && request.method.toUpperCase() !== 'POST') {
    throw new PayloadError('METHOD_NOT_ALLOWED', 'Only POST is accepted');
  }
  checkContentType(readHeader(request.headers, 'content-type'));
  limits.checkIp?.(request);
  const declaredLength = Number(readHeader(request.headers, 'content-length'));
  if (declaredLength > limits.maxBodyBytes) {
    throw new PayloadError(
      'PAYLOAD_TOO_LARGE',
      `Body is larger than the limit of ${limits.maxBodyBytes} bytes`,
    );
  }
  const bearer = readBearerToken(readHeader(request.headers, 'authorization'));
  if (bearer !== undefined && !verifier.verifyAll([bearer])) {
    throw new AuthenticationError('Authorization header does not carry a valid secret');
  }
  if (request.bodyAlreadyRead === true) {
    throw new PayloadError(
      'BODY_ALREADY_READ',
      'The request body was consumed by another middleware before the webhook receiver',
    );
  }
  return bearer === undefined ? NO_BEARER : { bearer };
}

/**
 * Steps 3 to 7 of "One request" in the core README, on the body read (with its size bound)
 * after {@link checkRequestHead} passed: JSON, the batch, every webhook's secret, the envelope,
 * the event's data. Steps 8 to 10 are delivery's (`engine.deliver`).
 */
export function receiveBody(
  body: ReadBody,
  { bearer }: CheckedHead,
  verifier: SecretVerifier,
  limits: ReceiveLimits,
): ReceivedBatch {
  const value = parseJson(body);
  const objects = unwrapBatch(value, limits.maxBatchSize);
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
  if (missing || (presented.length > 0 && !verifier.verifyAll(presented))) {
    throw new AuthenticationError('A webhook in the request does not carry a valid secret');
  }
  const items: BatchItem[] = new Array(objects.length);
  for (let index = 0; index < objects.length; index++) {
    items[index] = validateEventData(validateEnvelope(objects[index]!, index), index);
  }
  return { items, batched: Array.isArray(value) };
}

/** True when the request carries a valid `Authorization: Bearer` secret (for the status route). */
export function hasValidBearer(request: WebhookRequest, verifier: SecretVerifier): boolean {
  try {
    const bearer = readBearerToken(readHeader(request.headers, 'authorization'));
    return bearer !== undefined && verifier.verifyAll([bearer]);
  } catch {
    return false;
  }
}
