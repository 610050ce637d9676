import { checkContentType } from './check-content-type.js';
import { AuthenticationError, PayloadError } from './errors.js';
import { parseJson } from './parse-json.js';
import { readBody } from './read-body.js';
import { readHeader } from './read-header.js';
import { unwrapBatch } from './unwrap-batch.js';
import { type BatchItem, validateEnvelope, validateEventData } from './validate-envelope.js';
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

/**
 * Steps 1–5 of the pipeline: method, content type, size, Bearer header (before the body is
 * read), body, JSON, batch shape, every webhook's secret, envelopes and event schemas.
 * Throws a {@link PayloadError} or {@link AuthenticationError}; nothing is dispatched here.
 */
export async function receiveRequest(
  request: WebhookRequest,
  verifier: SecretVerifier,
  limits: ReceiveLimits,
): Promise<ReceivedBatch> {
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
  // The Bearer header is checked before the body is read, so an unauthenticated client
  // cannot make the receiver buffer and parse megabytes.
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
  const value = parseJson(await readBody(request.body, limits.maxBodyBytes));
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
export async function hasValidBearer(
  request: WebhookRequest,
  verifier: SecretVerifier,
): Promise<boolean> {
  try {
    const bearer = readBearerToken(readHeader(request.headers, 'authorization'));
    return bearer !== undefined && verifier.verifyAll([bearer]);
  } catch {
    return false;
  }
}
