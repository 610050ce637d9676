import { checkDepth } from './collected-data-depth.js';
import {
  compilePatterns,
  matchesAnyPattern,
  type PathPattern,
  type PathSegment,
} from './path-pattern.js';

// The rules a diff follows (ignored paths, normalised leaves), compiled once and shared by the
// diff, the merge and the loop guard's fingerprint, so all three skip the same paths.

/**
 * Keys Passfort adds to collected_data by itself: the pre-normalisation originals of
 * addresses and the continent of an IP location. A diff that did not ignore them would
 * report changes nobody made. Extend it: `ignore: [...PASSFORT_GENERATED_PATHS, 'my.path']`.
 */
export const PASSFORT_GENERATED_PATHS: readonly PathPattern[] = [
  '**.original_structured_address',
  '**.original_freeform_address',
  'ip_location.continent',
];

/** Options of {@link diffCollectedData}. */
export interface DiffOptions {
  /**
   * Paths to leave out of the comparison, as patterns (`*` one step, `**` any steps).
   * @default PASSFORT_GENERATED_PATHS
   */
  ignore?: readonly PathPattern[];
  /**
   * Maps each leaf value (string, number, boolean, null, `Date`) before comparing, e.g. trimming
   * strings or upper-casing country codes. Values in the result are the originals.
   * @example (value) => (typeof value === 'string' ? value.trim() : value)
   */
  normalize?: (value: unknown, path: readonly PathSegment[]) => unknown;
}

type Json = unknown;

const COMPILED = Symbol('compiled diff options');

/** The compiled form of {@link DiffOptions}, reusable across many diffs. */
export interface CompiledDiffOptions {
  readonly [COMPILED]: true;
  readonly ignore: ReturnType<typeof compilePatterns>;
  readonly normalize: DiffOptions['normalize'];
}

/** Compiles {@link DiffOptions} once, for code that diffs many snapshots with the same rules. */
export function compileDiffOptions(
  options: DiffOptions | CompiledDiffOptions = {},
): CompiledDiffOptions {
  if (COMPILED in options) return options;
  return {
    [COMPILED]: true,
    ignore: compilePatterns(options.ignore ?? PASSFORT_GENERATED_PATHS),
    normalize: options.normalize,
  };
}

/**
 * True for an object or array with nothing left once ignored paths are dropped, such as
 * `ip_location: { continent }`: it counts as absent, so Passfort's additions never show up
 * as an added container.
 */
export function emptyAfterIgnore(
  value: Json,
  path: PathSegment[],
  options: CompiledDiffOptions,
): boolean {
  if (typeof value !== 'object' || value === null || value instanceof Date) return false;
  checkDepth(path.length);
  const entries: [PathSegment, Json][] = Array.isArray(value)
    ? value.map((item, index) => [index, item])
    : Object.entries(value);
  return entries.every(([key, item]) => {
    path.push(key);
    const empty = ignored(path, key, options) || emptyAfterIgnore(item, path, options);
    path.pop();
    return empty;
  });
}

// Most keys cannot match any ignore pattern: their last step is not one the patterns end in.
export function ignored(
  path: readonly PathSegment[],
  key: PathSegment,
  options: CompiledDiffOptions,
): boolean {
  const { ignore } = options;
  if (ignore.patterns.length === 0) return false;
  if (!ignore.wildcardLast && !ignore.lastSteps.has(typeof key === 'string' ? key : String(key)))
    return false;
  return matchesAnyPattern(path, ignore);
}
