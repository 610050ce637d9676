import { checkDepth } from './collected-data-depth.js';
import {
  type CompiledDiffOptions,
  compileDiffOptions,
  type DiffOptions,
  emptyAfterIgnore,
  ignored,
} from './compile-diff-options.js';
import { elementKeys, keyedById } from './keyed-by-id.js';
import type { PathSegment } from './path-pattern.js';

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

type Json = unknown;

/** A leaf as compared: normalised if asked. */
function leafValue(value: Json, path: readonly PathSegment[], options: CompiledDiffOptions): Json {
  return options.normalize === undefined ? value : options.normalize(value, path);
}

/**
 * Path-level changes from `before` to `after` (two collected_data snapshots, or your copy
 * and Passfort's). Keys are compared by name; arrays whose elements all have an `id` are
 * matched by `id` (order ignored; the path uses the element's index in `after`, or in
 * `before` for a removal; when an id repeats, the n-th element with it is matched with the
 * n-th, so a removed duplicate is reported); other arrays by position, so an element
 * inserted at the front of an id-less array (addresses) shows as every element changed:
 * merge such arrays whole, as `mergeCollectedData` and `updateCollectedData` do, never path by
 * path. `Date` values compare by time. Ignored paths are skipped, leaves are normalised
 * before comparing. An empty result means nothing to do. Data nested deeper than
 * {@link MAX_COLLECTED_DATA_DEPTH} throws a `RangeError`.
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
  walk(before ?? {}, after ?? {}, [], changes, compiled, Number.POSITIVE_INFINITY);
  return changes;
}

/**
 * True when `a` and `b`, found at `path`, have no difference under the rules; stops at the
 * first one found.
 */
export function sameUnderRules(
  a: Json,
  b: Json,
  path: PathSegment[],
  options: CompiledDiffOptions,
): boolean {
  const found: CollectedDataChange[] = [];
  walk(a, b, path, found, options, 1);
  return found.length === 0;
}

/**
 * Appends the changes from `a` to `b` to `out`, and stops once `out` holds `limit` of them
 * (1 for an equality check).
 */
function walk(
  a: Json,
  b: Json,
  path: PathSegment[],
  out: CollectedDataChange[],
  options: CompiledDiffOptions,
  limit: number,
): void {
  if (a === b && options.normalize === undefined) return;
  const aIsDate = a instanceof Date;
  const bIsDate = b instanceof Date;
  if (
    typeof a === 'object' &&
    typeof b === 'object' &&
    a !== null &&
    b !== null &&
    !aIsDate &&
    !bIsDate
  ) {
    checkDepth(path.length);
    const aIsArray = Array.isArray(a);
    if (aIsArray !== Array.isArray(b)) {
      out.push({ kind: 'changed', path: [...path], before: a, after: b });
      return;
    }
    if (aIsArray) {
      const left = a as Json[];
      const right = b as Json[];
      if (keyedById(left, right)) walkKeyed(left, right, path, out, options, limit);
      else walkPositional(left, right, path, out, options, limit);
      return;
    }
    const left = a as Record<string, Json>;
    const right = b as Record<string, Json>;
    for (const key in left) {
      if (out.length >= limit) return;
      path.push(key);
      if (!ignored(path, key, options)) {
        if (Object.hasOwn(right, key)) walk(left[key], right[key], path, out, options, limit);
        else if (!emptyAfterIgnore(left[key], path, options)) {
          out.push({ kind: 'removed', path: [...path], before: left[key] });
        }
      }
      path.pop();
    }
    for (const key in right) {
      if (out.length >= limit) return;
      if (Object.hasOwn(left, key)) continue;
      path.push(key);
      if (!ignored(path, key, options) && !emptyAfterIgnore(right[key], path, options)) {
        out.push({ kind: 'added', path: [...path], after: right[key] });
      }
      path.pop();
    }
    return;
  }
  if (
    (typeof a === 'object' && a !== null && !aIsDate) ||
    (typeof b === 'object' && b !== null && !bIsDate)
  ) {
    out.push({ kind: 'changed', path: [...path], before: a, after: b });
    return;
  }
  const left = leafValue(a, path, options);
  const right = leafValue(b, path, options);
  if (!sameLeaf(left, right)) out.push({ kind: 'changed', path: [...path], before: a, after: b });
}

/** Two compared leaves: a `Date` equals only a `Date` of the same time; NaN equals NaN. */
function sameLeaf(left: Json, right: Json): boolean {
  const leftIsDate = left instanceof Date;
  if (leftIsDate !== right instanceof Date) return false;
  const l = leftIsDate ? (left as Date).getTime() : left;
  const r = leftIsDate ? (right as Date).getTime() : right;
  return l === r || (Number.isNaN(l) && Number.isNaN(r));
}

function walkPositional(
  a: readonly Json[],
  b: readonly Json[],
  path: PathSegment[],
  out: CollectedDataChange[],
  options: CompiledDiffOptions,
  limit: number,
): void {
  const length = Math.max(a.length, b.length);
  for (let i = 0; i < length && out.length < limit; i++) {
    path.push(i);
    if (!ignored(path, i, options)) {
      if (i >= b.length) out.push({ kind: 'removed', path: [...path], before: a[i] });
      else if (i >= a.length) out.push({ kind: 'added', path: [...path], after: b[i] });
      else walk(a[i], b[i], path, out, options, limit);
    }
    path.pop();
  }
}

function walkKeyed(
  a: readonly Json[],
  b: readonly Json[],
  path: PathSegment[],
  out: CollectedDataChange[],
  options: CompiledDiffOptions,
  limit: number,
): void {
  // Matched by id (the common case, every id unique: no keys to build), or by id and
  // occurrence when one repeats.
  let beforeKeys: readonly unknown[] = a.map((item) => (item as { id: unknown }).id);
  let afterKeys: readonly unknown[] = b.map((item) => (item as { id: unknown }).id);
  let beforeByKey = new Map(beforeKeys.map((key, index) => [key, index] as const));
  let afterKeySet = new Set(afterKeys);
  if (beforeByKey.size !== a.length || afterKeySet.size !== b.length) {
    [beforeKeys, afterKeys] = elementKeys(a, b) as [unknown[], unknown[]];
    beforeByKey = new Map(beforeKeys.map((key, index) => [key, index] as const));
    afterKeySet = new Set(afterKeys);
  }
  for (let index = 0; index < b.length && out.length < limit; index++) {
    path.push(index);
    const previous = beforeByKey.get(afterKeys[index]!);
    if (!ignored(path, index, options)) {
      if (previous === undefined) out.push({ kind: 'added', path: [...path], after: b[index] });
      else walk(a[previous], b[index], path, out, options, limit);
    }
    path.pop();
  }
  for (let index = 0; index < a.length && out.length < limit; index++) {
    if (afterKeySet.has(beforeKeys[index]!)) continue;
    path.push(index);
    if (!ignored(path, index, options)) {
      out.push({ kind: 'removed', path: [...path], before: a[index] });
    }
    path.pop();
  }
}
