import { z } from 'zod';

/**
 * A string enum that stays open: its documented values are in the type, for autocomplete
 * and `switch` exhaustiveness hints, and any other string is accepted at run time. Every
 * enum Passfort documents has grown between spec versions; a closed one would dead-letter
 * a real webhook the day Passfort adds a value.
 *
 * At run time it is `z.string()`: validation refuses only a value that is not a string,
 * which is what would make a handler's typed access lie. A value outside the documented
 * ones is reported in `status().drift` (unless `complete: false`: the list is known to be
 * partial, as with check types).
 */
export function openEnum<const Values extends readonly [string, ...string[]]>(
  documented: Values,
  options: { readonly complete?: boolean } = {},
): z.ZodType<Values[number] | (string & {})> {
  const schema = z.string();
  // Kept beside the schema (never in it: validation stays `z.string()`), for the drift
  // report. A list known to be partial is not kept: every other value would be noise.
  if (options.complete !== false) documentedValues.set(schema, new Set(documented));
  return schema as z.ZodType as z.ZodType<Values[number] | (string & {})>;
}

/** The documented values of each complete open enum, for the drift report. */
const documentedValues = new WeakMap<object, ReadonlySet<string>>();

/** The documented values of an {@link openEnum}, or undefined for any other schema. */
export function documentedValuesOf(schema: z.ZodType): ReadonlySet<string> | undefined {
  return documentedValues.get(schema);
}

/** The type of an {@link openEnum}'s values: the documented ones, or any other string. */
export type OpenEnum<Schema extends z.ZodType> = z.output<Schema>;
