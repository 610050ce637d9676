import {
  type CompiledDiffOptions,
  compileDiffOptions,
  type DiffOptions,
  emptyAfterIgnore,
} from './diff-collected-data.js';
import { matchesAnyPattern, type PathSegment } from './path-pattern.js';

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * A stable text form of collected_data under the same rules as the diff: ignored paths
 * dropped, leaves normalised, keys sorted, arrays of `id`'d elements sorted by id. Two
 * snapshots the diff finds equal have the same canonical form.
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
    const byId =
      items.length > 0 &&
      value.every(
        (item) =>
          isObject(item) && (typeof item['id'] === 'string' || typeof item['id'] === 'number'),
      );
    return byId
      ? items.sort((a, b) =>
          String((a as { id: unknown }).id) < String((b as { id: unknown }).id) ? -1 : 1,
        )
      : items;
  }
  if (isObject(value)) {
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
  return options.normalize === undefined ? value : options.normalize(value, path);
}
