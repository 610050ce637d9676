import { checkDepth } from './collected-data-depth.js';
import {
  type CompiledDiffOptions,
  compileDiffOptions,
  type DiffOptions,
  emptyAfterIgnore,
} from './compile-diff-options.js';
import { matchesAnyPattern, type PathSegment } from './path-pattern.js';

function isObject(value: unknown): value is Record<string, unknown> {
  return (
    typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date)
  );
}

const hasId = (item: unknown) =>
  isObject(item) && (typeof item['id'] === 'string' || typeof item['id'] === 'number');

/**
 * A stable text form of collected_data under the same rules as the diff: ignored paths
 * dropped, leaves normalised, keys sorted, arrays of `id`'d elements sorted by id (elements
 * that share an id keep their order, as the diff matches them by occurrence), a `Date` as
 * the text JSON sends for it. Two snapshots the diff finds equal have the same canonical
 * form. Deeper than `MAX_COLLECTED_DATA_DEPTH` it throws a `RangeError`.
 */
export function canonicalCollectedData(
  data: unknown,
  options: DiffOptions | CompiledDiffOptions = {},
): string {
  const compiled = compileDiffOptions(options);
  return JSON.stringify(canonical(data, [], compiled));
}

function canonical(value: unknown, path: PathSegment[], options: CompiledDiffOptions): unknown {
  if (Array.isArray(value)) {
    checkDepth(path.length);
    const items = value
      .map((item, index) => {
        path.push(index);
        const result = matchesAnyPattern(path, options.ignore)
          ? undefined
          : canonical(item, path, options);
        path.pop();
        return result;
      })
      .filter((item) => item !== undefined);
    if (items.length === 0 || !value.every(hasId)) return items;
    // Sorted by id, the kind of id first (1 and '1' are different ids to the diff); the sort
    // is stable, so elements that share an id keep their order, as the diff matches them.
    return items
      .map((item) => {
        const id = (item as { id: unknown }).id;
        return [`${typeof id}:${String(id)}`, item] as const;
      })
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([, item]) => item);
  }
  if (isObject(value)) {
    checkDepth(path.length);
    const result: Record<string, unknown> = Object.create(null);
    for (const key of Object.keys(value).sort()) {
      path.push(key);
      if (
        !matchesAnyPattern(path, options.ignore) &&
        !emptyAfterIgnore(value[key], path, options)
      ) {
        result[key] = canonical(value[key], path, options);
      }
      path.pop();
    }
    return result;
  }
  const leaf = options.normalize === undefined ? value : options.normalize(value, path);
  // What JSON sends for it: the ISO text (null when invalid), as the echo will carry.
  return leaf instanceof Date ? leaf.toJSON() : leaf;
}
