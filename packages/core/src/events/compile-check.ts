import type { z } from 'zod';

/** True when a value passes its schema; allocates nothing. */
export type Check = (value: unknown) => boolean;

/** The parts of a zod 4 definition this compiler reads. */
interface Definition {
  readonly type: string;
  readonly shape?: Record<string, z.ZodType>;
  readonly catchall?: z.ZodType;
  readonly innerType?: z.ZodType;
  readonly element?: z.ZodType;
  readonly entries?: Record<string, string | number>;
  readonly checks?: readonly unknown[];
  readonly coerce?: boolean;
}

const definitionOf = (schema: z.ZodType) =>
  (schema as unknown as { _zod: { def: Definition } })._zod.def;

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Compiles a zod schema into a {@link Check} that tells whether `schema.safeParse` would
 * succeed, without building zod's copy of the value. Only the shapes whose output equals
 * their input are compiled — open objects (`z.looseObject`), strings and arrays without
 * refinements, enums, `unknown`, optional and nullable — so a passing value can be used
 * as it is. Anything else returns undefined and stays with zod.
 *
 * Why: the receiver validates every webhook of a batch of 100, and zod's copies were the
 * largest per-webhook cost after JSON.parse. A failing value still goes through zod, for
 * its issue paths.
 */
export function compileCheck(schema: z.ZodType): Check | undefined {
  const definition = definitionOf(schema);
  const refined = (definition.checks?.length ?? 0) > 0 || definition.coerce === true;
  if (refined) return undefined;
  switch (definition.type) {
    case 'unknown':
      return () => true;
    case 'string':
      return (value) => typeof value === 'string';
    case 'enum': {
      const allowed = new Set<unknown>(Object.values(definition.entries ?? {}));
      return (value) => allowed.has(value);
    }
    case 'optional':
    case 'nullable':
      return compileOptional(schema);
    case 'array': {
      const element = compileCheck(definition.element!);
      if (element === undefined) return undefined;
      return (value) => {
        if (!Array.isArray(value)) return false;
        for (let i = 0; i < value.length; i++) if (!element(value[i])) return false;
        return true;
      };
    }
    case 'object':
      return compileLooseObject(definition);
    default:
      return undefined;
  }
}

/**
 * `optional` and `nullable` wrappers, however nested, as one check: `nullish()` is two of
 * them, and a closure per wrapper cost a call each for every key of every webhook; a string
 * inside them (most of Passfort's keys) is checked in the same closure. Undefined passes if
 * any wrapper is `optional`, null if any is `nullable`; anything else goes to the inner check.
 */
function compileOptional(schema: z.ZodType): Check | undefined {
  let undefinedPasses = false;
  let nullPasses = false;
  let inner = schema;
  for (;;) {
    const definition = definitionOf(inner);
    if (definition.type !== 'optional' && definition.type !== 'nullable') break;
    if ((definition.checks?.length ?? 0) > 0 || definition.coerce === true) return undefined;
    if (definition.type === 'optional') undefinedPasses = true;
    else nullPasses = true;
    inner = definition.innerType!;
  }
  const check = compileCheck(inner);
  if (check === undefined) return undefined;
  const core = definitionOf(inner);
  if (core.type === 'string' && (core.checks?.length ?? 0) === 0 && core.coerce !== true) {
    if (undefinedPasses && nullPasses) {
      return (value) => typeof value === 'string' || value === undefined || value === null;
    }
    return undefinedPasses
      ? (value) => typeof value === 'string' || value === undefined
      : (value) => typeof value === 'string' || value === null;
  }
  return (value) =>
    (value === undefined && undefinedPasses) || (value === null && nullPasses) || check(value);
}

function compileLooseObject(definition: Definition): Check | undefined {
  // Only open objects keep unknown keys as they are; strip and strict ones change or refuse them.
  if (definition.catchall === undefined || definitionOf(definition.catchall).type !== 'unknown') {
    return undefined;
  }
  const keys: string[] = [];
  const checks: Check[] = [];
  for (const [key, property] of Object.entries(definition.shape ?? {})) {
    const check = compileCheck(property);
    if (check === undefined) return undefined;
    keys.push(key);
    checks.push(check);
  }
  return (value) => {
    if (!isObject(value)) return false;
    for (let i = 0; i < keys.length; i++) if (!checks[i]!(value[keys[i]!])) return false;
    return true;
  };
}
