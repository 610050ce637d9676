import { PayloadError } from '../errors/payload-error.js';
import { isPlainObject } from './is-plain-object.js';

/** Passfort batches at most 100 webhooks per request. */
export const PASSFORT_MAX_BATCH_SIZE = 100;

/**
 * A single webhook is a batch of one; a JSON array is a batch. Returns the raw webhook
 * objects in delivery order, or throws a 400/413 {@link PayloadError} naming the index.
 */
export function unwrapBatch(value: unknown, maxBatchSize: number): Record<string, unknown>[] {
  if (isPlainObject(value)) return [value];
  if (!Array.isArray(value)) {
    throw new PayloadError(
      'INVALID_BATCH',
      `Expected a webhook object or an array of them, got ${value === null ? 'null' : typeof value}`,
    );
  }
  if (value.length > maxBatchSize) {
    throw new PayloadError(
      'BATCH_TOO_LARGE',
      `Batch holds ${value.length} webhooks; the limit is ${maxBatchSize}`,
    );
  }
  value.forEach((item: unknown, index) => {
    if (!isPlainObject(item)) {
      throw new PayloadError(
        'INVALID_ENVELOPE',
        `Webhook at index ${index} is ${item === null ? 'null' : Array.isArray(item) ? 'an array' : `a ${typeof item}`}, expected an object`,
        { index },
      );
    }
  });
  return value as Record<string, unknown>[];
}
