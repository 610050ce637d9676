/**
 * A webhook's `data` checked against its event's documented schema: where receiving (the HTTP
 * request), queue workers and dead-letter replays meet. Each validates an event the same way,
 * and none of them needs the others to do it.
 */
import type { z } from 'zod';
import { SchemaMismatchError } from '../errors/schema-mismatch-error.js';
import { type Check, compileCheck } from './compile-check.js';
import { eventDataSchemas, type PassfortEventName } from './event-schemas.js';
import type { AnyPassfortEvent } from './passfort-event.js';

function describeIssues(issues: readonly z.core.$ZodIssue[]): string[] {
  return issues.map((issue) => issue.path.map(String).join('.') || '(root)');
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
