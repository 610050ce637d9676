import type { z } from 'zod';
import { PayloadError } from '../errors/payload-error.js';
import { SchemaMismatchError } from '../errors/schema-mismatch-error.js';
import { type Check, compileCheck } from '../events/compile-check.js';
import { eventDataSchemas, type PassfortEventName } from '../events/event-schemas.js';
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

function describeIssues(issues: readonly z.core.$ZodIssue[]): string[] {
  return issues.map((issue) => issue.path.map(String).join('.') || '(root)');
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

/** The outcome of checking an envelope's `data` against its event's schema. */
export type EventValidation =
  | { readonly validated: true; readonly event: AnyPassfortEvent }
  | {
      readonly validated: false;
      readonly event: AnyPassfortEvent;
      /** Set when the event is known but its payload did not match. */
      readonly mismatch?: SchemaMismatchError;
    };

/** One webhook of a batch, validated, with its place in the batch. */
export type BatchItem = EventValidation & { readonly index: number };

/** A documented event's schema and, once first needed, its compiled check. */
interface DataSchema {
  readonly schema: (typeof eventDataSchemas)[PassfortEventName];
  check: Check | undefined | null;
}

// One Map lookup per webhook answers both "is it documented?" and "how is it checked?".
const dataSchemas = new Map<string, DataSchema>(
  Object.entries(eventDataSchemas).map(([event, schema]) => [event, { schema, check: null }]),
);

/**
 * Validates `data` with the event's zod schema. Unknown events pass through unvalidated;
 * known events whose data does not match are reported, never refused. A compiled check
 * answers first (no copy of the data); zod runs only when it cannot, or to name the
 * paths at fault.
 */
export function validateEventData(event: AnyPassfortEvent, index: number): BatchItem {
  const known = dataSchemas.get(event.event);
  if (known === undefined) return { validated: false, event, index };
  // Compiled on first use; undefined where a schema needs zod's own output.
  if (known.check === null) known.check = compileCheck(known.schema);
  if (known.check?.(event.data) === true) return { validated: true, event, index };
  const result = known.schema.safeParse(event.data);
  if (result.success) return { validated: true, event: { ...event, data: result.data }, index };
  const paths = describeIssues(result.error.issues).map((path) => `data.${path}`);
  return {
    validated: false,
    event,
    index,
    mismatch: new SchemaMismatchError(event.event, paths, { index, id: event.id }),
  };
}
