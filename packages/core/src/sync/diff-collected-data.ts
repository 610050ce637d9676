import {
  compilePatterns,
  matchesAnyPattern,
  type PathPattern,
  type PathSegment,
} from './path-pattern.js';

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

/** One difference between two collected_data snapshots. */
export type CollectedDataChange =
  | { readonly kind: 'added'; readonly path: readonly PathSegment[]; readonly after: unknown }
  | { readonly kind: 'removed'; readonly path: readonly PathSegment[]; readonly before: unknown }
  | {
      readonly kind: 'changed';
      readonly path: readonly PathSegment[];
      readonly before: unknown;
      readonly after: unknown;
    };

/** Options of {@link diffCollectedData}. */
export interface DiffOptions {
  /**
   * Paths to leave out of the comparison, as patterns (`*` one step, `**` any steps).
   * @default PASSFORT_GENERATED_PATHS
   */
  ignore?: readonly PathPattern[];
  /**
   * Maps each leaf value (string, number, boolean, null) before comparing, e.g. trimming
   * strings or upper-casing country codes. Values in the result are the originals.
   * @example (value) => (typeof value === 'string' ? value.trim() : value)
   */
  normalize?: (value: unknown, path: readonly PathSegment[]) => unknown;
}

type Json = unknown;

function isObject(value: Json): value is Record<string, Json> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Arrays whose elements all carry an `id` (documents, officers…) are matched by id. */
function keyedById(a: readonly Json[], b: readonly Json[]): boolean {
  if (a.length === 0 && b.length === 0) return false;
  const hasId = (item: Json) =>
    isObject(item) && (typeof item['id'] === 'string' || typeof item['id'] === 'number');
  return a.every(hasId) && b.every(hasId);
}

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
 * Path-level changes from `before` to `after` (two collected_data snapshots, or your copy
 * and Passfort's). Keys are compared by name; arrays whose elements all have an `id` are
 * matched by `id` (order ignored; the path uses the element's index in `after`, or in
 * `before` for a removal); other arrays by position. Ignored paths are skipped, leaves are
 * normalised before comparing. An empty result means nothing to do.
 *
 * @example
 * const changes = diffCollectedData(event.data.old_data, event.data.new_data);
 * // [{ kind: 'changed', path: ['personal_details', 'name', 'family_name'], before: 'Doe', after: 'Smith' }]
 */
export function diffCollectedData(
  before: Json,
  after: Json,
  options: DiffOptions | CompiledDiffOptions = {},
): CollectedDataChange[] {
  const compiled = compileDiffOptions(options);
  const changes: CollectedDataChange[] = [];
  walk(before ?? {}, after ?? {}, [], changes, compiled);
  return changes;
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
  if (typeof value !== 'object' || value === null) return false;
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
function ignored(
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

function walk(
  a: Json,
  b: Json,
  path: PathSegment[],
  out: CollectedDataChange[],
  options: CompiledDiffOptions,
): void {
  if (a === b && options.normalize === undefined) return;
  if (typeof a === 'object' && typeof b === 'object' && a !== null && b !== null) {
    const aIsArray = Array.isArray(a);
    if (aIsArray !== Array.isArray(b)) {
      out.push({ kind: 'changed', path: [...path], before: a, after: b });
      return;
    }
    if (aIsArray) {
      const left = a as Json[];
      const right = b as Json[];
      if (keyedById(left, right)) {
        walkKeyed(
          left as Record<string, Json>[],
          right as Record<string, Json>[],
          path,
          out,
          options,
        );
      } else {
        walkPositional(left, right, path, out, options);
      }
      return;
    }
    const left = a as Record<string, Json>;
    const right = b as Record<string, Json>;
    for (const key in left) {
      path.push(key);
      if (!ignored(path, key, options)) {
        if (Object.hasOwn(right, key)) walk(left[key], right[key], path, out, options);
        else if (!emptyAfterIgnore(left[key], path, options)) {
          out.push({ kind: 'removed', path: [...path], before: left[key] });
        }
      }
      path.pop();
    }
    for (const key in right) {
      if (Object.hasOwn(left, key)) continue;
      path.push(key);
      if (!ignored(path, key, options) && !emptyAfterIgnore(right[key], path, options)) {
        out.push({ kind: 'added', path: [...path], after: right[key] });
      }
      path.pop();
    }
    return;
  }
  if (typeof a === 'object' && a !== null) {
    out.push({ kind: 'changed', path: [...path], before: a, after: b });
    return;
  }
  if (typeof b === 'object' && b !== null) {
    out.push({ kind: 'changed', path: [...path], before: a, after: b });
    return;
  }
  const normalize = options.normalize;
  const left = normalize === undefined ? a : normalize(a, path);
  const right = normalize === undefined ? b : normalize(b, path);
  if (left !== right && !(Number.isNaN(left) && Number.isNaN(right))) {
    out.push({ kind: 'changed', path: [...path], before: a, after: b });
  }
}

function walkPositional(
  a: readonly Json[],
  b: readonly Json[],
  path: PathSegment[],
  out: CollectedDataChange[],
  options: CompiledDiffOptions,
): void {
  const length = Math.max(a.length, b.length);
  for (let i = 0; i < length; i++) {
    path.push(i);
    if (!ignored(path, i, options)) {
      if (i >= b.length) out.push({ kind: 'removed', path: [...path], before: a[i] });
      else if (i >= a.length) out.push({ kind: 'added', path: [...path], after: b[i] });
      else walk(a[i], b[i], path, out, options);
    }
    path.pop();
  }
}

function walkKeyed(
  a: readonly Record<string, Json>[],
  b: readonly Record<string, Json>[],
  path: PathSegment[],
  out: CollectedDataChange[],
  options: CompiledDiffOptions,
): void {
  const beforeById = new Map(a.map((item, index) => [item['id'], index] as const));
  const afterIds = new Set(b.map((item) => item['id']));
  b.forEach((item, index) => {
    path.push(index);
    const previous = beforeById.get(item['id']);
    if (!ignored(path, index, options)) {
      if (previous === undefined) out.push({ kind: 'added', path: [...path], after: item });
      else walk(a[previous], item, path, out, options);
    }
    path.pop();
  });
  a.forEach((item, index) => {
    if (afterIds.has(item['id'])) return;
    path.push(index);
    if (!ignored(path, index, options))
      out.push({ kind: 'removed', path: [...path], before: item });
    path.pop();
  });
}
