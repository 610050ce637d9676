import { z } from 'zod';

/**
 * A string enum that stays open: its documented values are in the type, for autocomplete
 * and `switch` exhaustiveness hints, and any other string is accepted at run time. Every
 * enum Passfort documents has grown between spec versions; a closed one would dead-letter
 * a real webhook the day Passfort adds a value.
 *
 * At run time it is `z.string()`: validation refuses only a value that is not a string,
 * which is what would make a handler's typed access lie.
 */
export function openEnum<const Values extends readonly [string, ...string[]]>(
  _documented: Values,
): z.ZodType<Values[number] | (string & {})> {
  return z.string() as z.ZodType as z.ZodType<Values[number] | (string & {})>;
}

/** The type of an {@link openEnum}'s values: the documented ones, or any other string. */
export type OpenEnum<Schema extends z.ZodType> = z.output<Schema>;
