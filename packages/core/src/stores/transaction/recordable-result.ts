/**
 * What `ctx.transaction` may record as `fn`'s result: only values that read back the same.
 * The result is stored as JSON text and handed back, instead of running `fn` again, to every
 * later run of the webhook (a redelivery after a crash, a replay a week later). A value that
 * JSON changes on the way (a Date read back as a string, a Map as `{}`, NaN as null) would make
 * the first run and every later one see different results, so it is refused before the commit
 * and the effect is rolled back, with an error that names where the value is.
 */

/** The value `effect` returned, as the JSON text the stores record (undefined: SQL NULL). */
export function recordableResult(value: unknown): string | null {
  if (value === undefined) return null;
  const problem = unrecordable(value, 'result', []);
  if (problem !== undefined) {
    throw new TypeError(
      `ctx.transaction's function returned ${problem}; the result is stored as JSON and every later run of this webhook gets it back, so only values that read back the same are kept (plain objects, arrays, strings, finite numbers, booleans, null). Nothing was committed: return plain data (e.g. date.toISOString()), or nothing`,
    );
  }
  return JSON.stringify(value);
}

/** The recorded value back, as the stores return it. */
export function recordedResult(text: unknown): unknown {
  // Kept as text, not jsonb / JSON, so a recorded string comes back as that string.
  return typeof text === 'string' ? JSON.parse(text) : undefined;
}

/** Why `value` (at `path`) would not read back the same, or undefined when it would. */
function unrecordable(value: unknown, path: string, ancestors: object[]): string | undefined {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return undefined;
    case 'number':
      if (!Number.isFinite(value)) return `${value} at ${path} (JSON stores it as null)`;
      if (Object.is(value, -0)) return `-0 at ${path} (JSON stores it as 0)`;
      return undefined;
    case 'undefined':
      return `undefined at ${path} (JSON drops it or stores null; use null, or leave the key out)`;
    case 'bigint':
      return `a BigInt at ${path} (JSON cannot hold it; return it as a string)`;
    case 'function':
    case 'symbol':
      return `a ${typeof value} at ${path} (JSON cannot hold it)`;
  }
  if (value === null) return undefined;
  const object = value as object;
  if (ancestors.includes(object)) return `a circular reference at ${path}`;
  // The prototype is read without touching the value's properties: a driver object handed
  // back (the transaction's own connection) may refuse property reads once it is closed.
  const prototype = Object.getPrototypeOf(object) as object | null;
  if (Array.isArray(object)) {
    if (prototype !== Array.prototype) return describeInstance(prototype, path);
    const array = object as unknown[];
    const keys = Object.keys(array);
    if (keys.length !== array.length) {
      const extra = keys.find((key) => String(Number(key)) !== key);
      if (extra !== undefined) {
        return `an array with a key besides its elements (${JSON.stringify(extra)}) at ${path} (JSON keeps only the elements)`;
      }
    }
    ancestors.push(object);
    for (let index = 0; index < array.length; index++) {
      if (!(index in array)) return `an empty array slot at ${path}[${index}] (JSON stores null)`;
      const problem = unrecordable(array[index], `${path}[${index}]`, ancestors);
      if (problem !== undefined) return problem;
    }
    ancestors.pop();
    return undefined;
  }
  if (prototype !== Object.prototype && prototype !== null) {
    return describeInstance(prototype, path);
  }
  if (Object.getOwnPropertySymbols(object).length > 0) {
    return `an object with symbol keys at ${path} (JSON drops them)`;
  }
  if (typeof (object as { toJSON?: unknown }).toJSON === 'function') {
    return `an object with its own toJSON() at ${path} (it is stored as what toJSON returns)`;
  }
  ancestors.push(object);
  for (const [key, descriptor] of Object.entries(Object.getOwnPropertyDescriptors(object))) {
    if (descriptor.get !== undefined || descriptor.set !== undefined) {
      if (descriptor.enumerable === true) {
        return `a getter at ${path}.${key} (it may answer differently each time it is read)`;
      }
      continue;
    }
    if (descriptor.enumerable !== true) continue;
  }
  for (const key of Object.keys(object)) {
    const problem = unrecordable(
      (object as Record<string, unknown>)[key],
      `${path}${/^[A-Za-z_$][\w$]*$/.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`}`,
      ancestors,
    );
    if (problem !== undefined) return problem;
  }
  ancestors.pop();
  return undefined;
}

/** Class names of pg's and mysql2's objects: a query result, a connection, a column. */
const DRIVER_OBJECTS = new Set([
  'Result',
  'Client',
  'PoolClient',
  'Connection',
  'PoolConnection',
  'PromisePoolConnection',
  'PromiseConnection',
  'ResultSetHeader',
  'ColumnDefinition',
  'TextRow',
  'BinaryRow',
]);

/** "a Date at result.at (JSON reads it back as a string)": what a class instance is, and where. */
function describeInstance(prototype: object | null, path: string): string {
  const name = (prototype as { constructor?: { name?: unknown } } | null)?.constructor?.name;
  const label = typeof name === 'string' && name !== '' ? name : 'class instance';
  const article = /^[AEIOU]/.test(label) ? 'an' : 'a';
  const readsBack: Record<string, string> = {
    Date: ' (JSON reads it back as a string)',
    Map: ' (JSON reads it back as {})',
    Set: ' (JSON reads it back as {})',
    RegExp: ' (JSON reads it back as {})',
    Buffer: ' (JSON reads it back as { type, data })',
    Uint8Array: ' (JSON reads it back as an object of numbers)',
  };
  const driverObject = DRIVER_OBJECTS.has(label)
    ? " (a database driver's object: return the plain values you need, e.g. result.rows[0].id)"
    : undefined;
  return `${article} ${label} at ${path}${driverObject ?? readsBack[label] ?? ' (JSON reads an object of another class back as a plain object, or not at all)'}`;
}
