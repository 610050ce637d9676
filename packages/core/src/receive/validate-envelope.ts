import { PayloadError } from '../errors/payload-error.js';
import type { AnyPassfortEvent } from '../events/passfort-event.js';
import { isPlainObject } from './is-plain-object.js';

const shortString = (value: unknown) =>
  typeof value === 'string' && value.length >= 1 && value.length <= 256;

/**
 * The envelope's fields at fault, checked by hand (the hot path runs it 100 times per batch):
 * strict on what Passfort documents, open to any other top-level key.
 */
function envelopeProblems(raw: Record<string, unknown>): string[] {
  const problems: string[] = [];
  if (!shortString(raw['id'])) problems.push('id');
  if (!shortString(raw['event'])) problems.push('event');
  const timestamp = raw['timestamp'];
  const numericString = typeof timestamp === 'string' && /^\d+(\.\d+)?$/.test(timestamp);
  if (!(typeof timestamp === 'number' && Number.isFinite(timestamp)) && !numericString)
    problems.push('timestamp');
  if (!isPlainObject(raw['data'])) problems.push('data');
  return problems;
}

/**
 * Checks one webhook object's envelope and drops its `secret`. Throws a 400 naming the
 * index and the fields at fault (never their values).
 */
export function validateEnvelope(raw: Record<string, unknown>, index: number): AnyPassfortEvent {
  const problems = envelopeProblems(raw);
  if (problems.length > 0) {
    throw new PayloadError(
      'INVALID_ENVELOPE',
      `Webhook at index ${index} has a missing or invalid ${problems.join(', ')} (expected id: string, event: string, timestamp: number, data: object)`,
      {
        index,
        ...(typeof raw['id'] === 'string' && raw['id'].length <= 256 ? { id: raw['id'] } : {}),
      },
    );
  }
  const timestamp =
    typeof raw['timestamp'] === 'string' ? Number(raw['timestamp']) : raw['timestamp'];
  // Passfort's envelope has exactly these keys (the secret may be absent): build the event
  // directly, several times cheaper than a rest spread; any other shape keeps its extras.
  if (countKeys(raw) === (Object.hasOwn(raw, 'secret') ? 5 : 4)) {
    return { id: raw['id'], event: raw['event'], timestamp, data: raw['data'] } as AnyPassfortEvent;
  }
  const { secret: _secret, ...event } = raw;
  event['timestamp'] = timestamp;
  return event as unknown as AnyPassfortEvent;
}

function countKeys(object: object): number {
  let count = 0;
  for (const _ in object) count++;
  return count;
}
