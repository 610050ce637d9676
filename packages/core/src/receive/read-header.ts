import type { HeaderSource } from './webhook-request.js';

/**
 * Reads one header by its lower-case `name`, whatever the case of the stored names. An
 * array means the header was sent more than once; callers decide whether that is acceptable.
 */
export function readHeader(
  headers: HeaderSource,
  name: string,
): string | readonly string[] | undefined {
  if (typeof (headers as Headers).get === 'function') {
    return (headers as Headers).get(name) ?? undefined;
  }
  const record = headers as Readonly<Record<string, string | readonly string[] | undefined>>;
  // Node and most frameworks keep names in lower case, as `name` is given: one lookup.
  if (Object.hasOwn(record, name)) return record[name];
  for (const key of Object.keys(record)) {
    if (key.toLowerCase() === name) return record[key];
  }
  return undefined;
}
