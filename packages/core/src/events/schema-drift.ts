/**
 * Finds what a webhook carries that the documented schemas do not know: an unknown event
 * name, keys outside a documented object's keys, and enum values outside the documented
 * ones. It reads the same zod schemas validation uses, so the drift report and the types
 * can never disagree about what is documented.
 *
 * Compiled once per event: the paths are fixed at compile time, so inspecting a webhook
 * builds no strings unless it finds something. Objects whose contents are not documented
 * (an empty shape, `z.unknown()`, the payloads of events Passfort documents no keys for)
 * are not walked.
 */
import type { z } from 'zod';
import { DRIFT_VALUE_MAX, type DriftObservation } from '../observability/drift-report.js';
import { eventDataSchemas, keysUndocumented } from './event-schemas.js';
import { documentedValuesOf } from './open-enum.js';
import type { AnyPassfortEvent } from './passfort-event.js';

/** Hears what an inspection found. */
export type DriftSink = (observation: DriftObservation) => void;

/** Inspects one value at a fixed path; reports through `found`. */
type Inspect = (value: unknown, event: string, found: DriftSink) => void;

/** The parts of a zod 4 definition the inspector reads. */
interface Definition {
  readonly type: string;
  readonly shape?: Record<string, z.ZodType>;
  readonly innerType?: z.ZodType;
  readonly element?: z.ZodType;
  readonly options?: readonly z.ZodType[];
}

const definitionOf = (schema: z.ZodType) =>
  (schema as unknown as { _zod: { def: Definition } })._zod.def;

/** Keys at most this long are reported whole; longer ones are cut (they are labels, not data). */
const clip = (text: string) =>
  text.length > DRIFT_VALUE_MAX ? text.slice(0, DRIFT_VALUE_MAX) : text;

/**
 * Builds the inspector of `schema` at `path`, or undefined when there is nothing to find there.
 * Each event gets its own tree of inspectors, so a node's memo can key on the key or value
 * alone: the event is the same for every webhook it sees.
 */
function compile(schema: z.ZodType, path: string): Inspect | undefined {
  const values = documentedValuesOf(schema);
  if (values !== undefined) {
    const seen = new ObservationMemo();
    return (value, event, found) => {
      if (typeof value === 'string' && !values.has(value)) {
        found(
          seen.get(value) ??
            seen.keep(value, { event, kind: 'unknown-enum-value', path, value: clip(value) }),
        );
      }
    };
  }
  const definition = definitionOf(schema);
  switch (definition.type) {
    case 'optional':
    case 'nullable':
      return compile(definition.innerType!, path);
    case 'array': {
      const element = compile(definition.element!, `${path}[]`);
      if (element === undefined) return undefined;
      return (value, event, found) => {
        if (!Array.isArray(value)) return;
        for (const item of value) element(item, event, found);
      };
    }
    case 'object': {
      const shape = definition.shape ?? {};
      const keys = Object.keys(shape);
      // An empty shape says "an object, contents not documented": nothing is news in it.
      const reportKeys = keys.length > 0 && !keysUndocumented.has(schema);
      const children: [string, Inspect][] = [];
      for (const key of keys) {
        const child = compile(shape[key]!, `${path}.${key}`);
        if (child !== undefined) children.push([key, child]);
      }
      if (!reportKeys && children.length === 0) return undefined;
      const known = new Set(keys);
      const seen = new ObservationMemo();
      return (value, event, found) => {
        if (typeof value !== 'object' || value === null || Array.isArray(value)) return;
        const object = value as Record<string, unknown>;
        if (reportKeys) {
          for (const key in object) {
            if (!known.has(key) && Object.hasOwn(object, key)) {
              found(
                seen.get(key) ??
                  seen.keep(key, { event, kind: 'unknown-key', path: `${path}.${clip(key)}` }),
              );
            }
          }
        }
        for (const [key, child] of children) {
          const inner = object[key];
          if (inner !== undefined && inner !== null) child(inner, event, found);
        }
      };
    }
    default:
      return undefined;
  }
}

/** Observations made again reuse the first one's object: the report then counts it by identity. */
const MEMO_SIZE = 64;

/**
 * A small cache per schema node, for the drift the same sender keeps sending. Read with `get`,
 * filled with `keep`, rather than one call taking a `make` callback: that callback was a
 * closure made for every webhook carrying drift, found by the allocation sampler at about
 * 140 bytes per webhook of a batch whose every webhook has an unknown key.
 */
class ObservationMemo {
  readonly #cache = new Map<string, DriftObservation>();

  get(key: string): DriftObservation | undefined {
    return this.#cache.get(key);
  }

  /** Returns `observation`, kept for `key` while there is room. */
  keep(key: string, observation: DriftObservation): DriftObservation {
    // Bounded: past the size, new observations are made afresh each time.
    if (this.#cache.size < MEMO_SIZE) this.#cache.set(key, observation);
    return observation;
  }
}

// Compiled on first use per event: most receivers see a few event kinds.
const inspectors = new Map<string, Inspect | null>();

/**
 * Reports through `found` what `event` carries that this version does not know. Never
 * throws, never reads a value it does not report (except enum values, which it compares).
 */
export function inspectDrift(event: AnyPassfortEvent, found: DriftSink): void {
  const name = event.event;
  let inspect = inspectors.get(name);
  if (inspect === undefined) {
    if (!Object.hasOwn(eventDataSchemas, name)) {
      found({ event: clip(name), kind: 'unknown-event' });
      return;
    }
    inspect = compile(eventDataSchemas[name as keyof typeof eventDataSchemas], 'data') ?? null;
    inspectors.set(name, inspect);
  }
  if (inspect !== null) inspect(event.data, name, found);
}
