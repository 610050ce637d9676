import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { compileCheck } from './compile-check.js';
import { eventDataSchemas } from './event-schemas.js';

const junk = fc.oneof(
  fc.constant(null),
  fc.constant(undefined),
  fc.string({ maxLength: 4 }),
  fc.integer(),
  fc.boolean(),
  fc.constant({}),
  fc.constant([]),
  fc.constant([{}]),
  fc.constant(['x']),
);

type Def = {
  type: string;
  shape?: Record<string, z.ZodType>;
  innerType?: z.ZodType;
  element?: z.ZodType;
  entries?: Record<string, string>;
};
const defOf = (schema: z.ZodType) => (schema as unknown as { _zod: { def: Def } })._zod.def;

/** Values shaped like the schema, with a wrong value (or none) here and there. */
function near(schema: z.ZodType, depth = 0): fc.Arbitrary<unknown> {
  const def = defOf(schema);
  const wrongOr = (right: fc.Arbitrary<unknown>) =>
    fc.oneof({ weight: 30, arbitrary: right }, { weight: 1, arbitrary: junk });
  switch (def.type) {
    case 'string':
      return wrongOr(fc.string({ maxLength: 6 }));
    case 'enum':
      return wrongOr(fc.constantFrom(...Object.values(def.entries!), 'NOT_A_VALUE'));
    case 'optional':
    case 'nullable':
      return fc.oneof(
        { weight: 8, arbitrary: near(def.innerType!, depth) },
        { weight: 2, arbitrary: fc.constant(def.type === 'optional' ? undefined : null) },
      );
    case 'array':
      return wrongOr(fc.array(near(def.element!, depth + 1), { maxLength: 3 }));
    case 'object': {
      if (depth > 3) return junk;
      const entries = Object.entries(def.shape ?? {}).map(
        ([key, property]) =>
          [key, fc.option(near(property, depth + 1), { nil: undefined })] as const,
      );
      const record = fc
        .tuple(
          fc.record(Object.fromEntries(entries)),
          fc.dictionary(fc.string({ maxLength: 3 }), junk, { maxKeys: 2 }),
        )
        .map(([known, extra]) => ({ ...extra, ...known }));
      return wrongOr(record);
    }
    default:
      return junk;
  }
}

describe('compileCheck', () => {
  it('compiles every event schema this library ships', () => {
    for (const [event, schema] of Object.entries(eventDataSchemas)) {
      expect(compileCheck(schema), event).toBeTypeOf('function');
    }
  });

  it('agrees with zod safeParse on values near and far from every event schema', () => {
    for (const schema of new Set(Object.values(eventDataSchemas))) {
      const check = compileCheck(schema)!;
      let passed = 0;
      fc.assert(
        fc.property(
          fc.oneof({ weight: 4, arbitrary: near(schema) }, { weight: 1, arbitrary: fc.anything() }),
          (value) => {
            const expected = schema.safeParse(value).success;
            if (expected) passed++;
            expect(check(value)).toBe(expected);
          },
        ),
        { numRuns: 400 },
      );
      // The generator must reach both outcomes, or the agreement proves little.
      expect(passed).toBeGreaterThan(40);
      expect(passed).toBeLessThan(360);
    }
  });

  it('leaves to zod what it cannot check without zod’s output', () => {
    expect(compileCheck(z.object({ a: z.string() }))).toBeUndefined(); // strips unknown keys
    expect(compileCheck(z.strictObject({ a: z.string() }))).toBeUndefined();
    expect(compileCheck(z.string().min(1))).toBeUndefined();
    expect(compileCheck(z.string().transform((s) => s.length))).toBeUndefined();
    expect(compileCheck(z.coerce.string())).toBeUndefined();
    expect(compileCheck(z.looseObject({ n: z.number() }))).toBeUndefined();
    expect(compileCheck(z.looseObject({ a: z.array(z.string()).min(1) }))).toBeUndefined();
  });
});
