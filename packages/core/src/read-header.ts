import type { HeaderSource } from './webhook-request.js';

/**
 * Reads one header by name, case-insensitively. An array means the header was sent more
 * than once; callers decide whether that is acceptable.
 */
export function readHeader(
  headers: HeaderSource,
  name: string,
): string | readonly string[] | undefined {
  if (typeof (headers as Headers).get === 'function') {
    return (headers as Headers).get(name) ?? undefined;
  }
  const record = headers as Readonly<Record<string, string | readonly string[] | undefined>>;
  const lower = name.toLowerCase();
  if (Object.hasOwn(record, lower)) return record[lower];
  for (const key of Object.keys(record)) {
    if (key.toLowerCase() === lower) return record[key];
  }
  return undefined;
}
