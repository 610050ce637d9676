import { z } from 'zod';
import { PayloadError, SchemaMismatchError } from './errors.js';
import { eventDataSchemas, isPassfortEventName } from './events/event-schemas.js';
import type { AnyPassfortEvent } from './events/passfort-event.js';

// Strict on the envelope Passfort documents, open to any other top-level key.
const envelopeSchema = z.looseObject({
  id: z.string().min(1).max(256),
  event: z.string().min(1).max(256),
  // Documented as integer Unix seconds; a numeric string is accepted rather than refused.
  timestamp: z.union([
    z.number(),
    z
      .string()
      .regex(/^\d+(\.\d+)?$/)
      .transform(Number),
  ]),
  data: z.looseObject({}),
});

function describeIssues(issues: readonly z.core.$ZodIssue[]): string[] {
  return issues.map((issue) => issue.path.map(String).join('.') || '(root)');
}

/**
 * Checks one webhook object's envelope and drops its `secret`. Throws a 400 naming the
 * index and the fields at fault (never their values).
 */
export function validateEnvelope(raw: Record<string, unknown>, index: number): AnyPassfortEvent {
  const result = envelopeSchema.safeParse(raw);
  if (!result.success) {
    const paths = describeIssues(result.error.issues);
    throw new PayloadError(
      'INVALID_ENVELOPE',
      `Webhook at index ${index} has a missing or invalid ${paths.join(', ')} (expected id: string, event: string, timestamp: number, data: object)`,
      { index, ...(typeof raw['id'] === 'string' ? { id: raw['id'] } : {}) },
    );
  }
  const { secret: _secret, ...event } = result.data;
  return event as AnyPassfortEvent;
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

/**
 * Validates `data` with the event's zod schema. Unknown events pass through unvalidated;
 * known events whose data does not match are reported, never refused.
 */
export function validateEventData(event: AnyPassfortEvent, index: number): EventValidation {
  if (!isPassfortEventName(event.event)) return { validated: false, event };
  const result = eventDataSchemas[event.event].safeParse(event.data);
  if (result.success) return { validated: true, event: { ...event, data: result.data } };
  const paths = describeIssues(result.error.issues).map((path) => `data.${path}`);
  return {
    validated: false,
    event,
    mismatch: new SchemaMismatchError(event.event, paths, { index, id: event.id }),
  };
}
