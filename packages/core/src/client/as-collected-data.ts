/**
 * Whether an answer's body can be taken as the profile's collected_data. Passfort, a proxy or
 * a load balancer can answer 200 with something else (an empty body, an HTML error page, an
 * `errors` answer, a wrapper); writing our change over such "data" would lose the profile's,
 * so the read retries it and a 412 or an accepted POST falls back to a read.
 */
import type { CollectedData } from '../events/collected-data-schema.js';
import { MAX_COLLECTED_DATA_DEPTH } from '../sync/collected-data-depth.js';

/** The JSON in `text`, boxed so that a JSON `null` differs from no JSON at all. */
export function parseJson(text: string | undefined): { value: unknown } | undefined {
  if (text === undefined || text.trim() === '') return undefined;
  try {
    return { value: JSON.parse(text) };
  } catch {
    return undefined;
  }
}

/** True when `value` nests deeper than the diff walks (iterative, so it cannot overflow). */
function tooDeep(value: unknown): boolean {
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (typeof node !== 'object' || node === null) continue;
    if (depth > MAX_COLLECTED_DATA_DEPTH) return true;
    for (const child of Object.values(node)) stack.push([child, depth + 1]);
  }
  return false;
}

/**
 * `value` when it can be taken as the profile's collected_data, else why not: a JSON object
 * (not null, an array or text), without `errors` (an error answer), nested no deeper than the
 * diff walks, and of the same `entity_type` as the data it replaces (a profile never changes
 * type; a wrapper such as `{ collected_data: … }` lacks it).
 */
export function asCollectedData(
  parsed: { value: unknown } | undefined,
  reference: CollectedData | undefined,
): CollectedData | string {
  if (parsed === undefined) return 'no JSON body';
  const { value } = parsed;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return `a JSON ${value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value}, not an object`;
  }
  if (Object.hasOwn(value, 'errors')) return 'an error answer (errors[])';
  if (tooDeep(value)) return `data nested deeper than ${MAX_COLLECTED_DATA_DEPTH} levels`;
  const entityType = (value as CollectedData).entity_type;
  if (reference !== undefined && entityType !== reference.entity_type) {
    return 'not this profile’s collected_data (its entity_type differs)';
  }
  return value as CollectedData;
}
