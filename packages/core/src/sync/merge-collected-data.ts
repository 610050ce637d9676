import type { CollectedData } from '../events/collected-data-schema.js';
import { checkDepth } from './collected-data-depth.js';
import {
  type CompiledDiffOptions,
  compileDiffOptions,
  type DiffOptions,
  emptyAfterIgnore,
  ignored,
} from './compile-diff-options.js';
import { sameUnderRules } from './diff-collected-data.js';
import { elementKeys, keyedById } from './keyed-by-id.js';
import type { PathSegment } from './path-pattern.js';

/** One edit of collected_data: the copy it started from, and the copy it produced. */
export interface CollectedDataEdit {
  readonly before: unknown;
  readonly after: unknown;
}

type Json = unknown;

function isObject(value: Json): value is Record<string, Json> {
  return (
    typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date)
  );
}

/** Sets an own property, whatever its name (`__proto__` included). */
function setOwn(target: Record<string, Json>, key: string, value: Json): void {
  Object.defineProperty(target, key, {
    value,
    enumerable: true,
    writable: true,
    configurable: true,
  });
}

function copyOf(value: Json): Json {
  return value === undefined ? undefined : structuredClone(value);
}

/**
 * Applies one edit (`before` → `after`) to `target`, leaving every difference of `target`
 * that the edit did not touch alone: the three-way merge behind
 * `updateCollectedData(profileId, { before, after })`, and the way to apply a
 * collected-data webhook (`old_data` → `new_data`) to your own copy without undoing your
 * own changes still in flight. Under the diff's rules (the same `ignore` and `normalize`):
 *
 * - objects merge key by key: a key the edit added or changed is set, one it removed is
 *   deleted, every other key keeps `target`'s value; ignored keys (Passfort's own additions)
 *   always keep `target`'s;
 * - arrays whose elements all carry an `id` merge element by element, matched by id (and
 *   occurrence when an id repeats): elements the edit changed are merged, those it removed
 *   are dropped, those it added are appended; `target`'s other elements and order stay;
 *   an element (or key) the edit changed but `target` no longer has comes back with the
 *   edit's value;
 * - any other array (addresses, names, anything without ids) is **replaced whole** by the
 *   edit's version when the edit changed it at all, and kept as it is otherwise: positions
 *   do not identify elements, so merging such arrays element by element could pair the
 *   wrong ones (an address inserted at the front would overwrite every other address);
 * - a leaf, or a value whose type changed, is set to the edit's value.
 *
 * Returns a new value; nothing passed in is modified. Data nested deeper than
 * `MAX_COLLECTED_DATA_DEPTH` throws a `RangeError`.
 *
 * @example
 * // A webhook's change applied to your copy, your own unsaved edits kept:
 * const next = mergeCollectedData(ours, { before: event.data.old_data, after: event.data.new_data });
 */
export function mergeCollectedData(
  target: CollectedData | undefined,
  edit: CollectedDataEdit,
  options: DiffOptions | CompiledDiffOptions = {},
): CollectedData {
  const compiled = compileDiffOptions(options);
  const merged = merge(target ?? {}, edit.before ?? {}, edit.after ?? {}, [], compiled);
  return (isObject(merged) ? merged : {}) as CollectedData;
}

function merge(
  target: Json,
  before: Json,
  after: Json,
  path: PathSegment[],
  options: CompiledDiffOptions,
): Json {
  if (sameUnderRules(before, after, path, options)) return target;
  checkDepth(path.length);
  if (isObject(before) && isObject(after) && isObject(target)) {
    return mergeObjects(target, before, after, path, options);
  }
  if (
    Array.isArray(before) &&
    Array.isArray(after) &&
    Array.isArray(target) &&
    keyedById(before.length === 0 ? after : before, after.length === 0 ? before : after) &&
    (target.length === 0 || keyedById(target, target))
  ) {
    return mergeKeyed(target, before, after, path, options);
  }
  return copyOf(after);
}

function mergeObjects(
  target: Record<string, Json>,
  before: Record<string, Json>,
  after: Record<string, Json>,
  path: PathSegment[],
  options: CompiledDiffOptions,
): Record<string, Json> {
  const result: Record<string, Json> = {};
  for (const key of Object.keys(target)) setOwn(result, key, target[key]);
  const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
  for (const key of keys) {
    path.push(key);
    if (!ignored(path, key, options)) {
      const inBefore = Object.hasOwn(before, key) && !emptyAfterIgnore(before[key], path, options);
      const inAfter = Object.hasOwn(after, key) && !emptyAfterIgnore(after[key], path, options);
      if (inBefore && !inAfter) {
        delete result[key];
      } else if (inAfter && !inBefore) {
        setOwn(result, key, copyOf(after[key]));
      } else if (inAfter && inBefore) {
        if (Object.hasOwn(target, key)) {
          setOwn(result, key, merge(target[key], before[key], after[key], path, options));
        } else if (!sameUnderRules(before[key], after[key], path, options)) {
          // Removed on the other side, changed by the edit: the edit's value comes back.
          setOwn(result, key, copyOf(after[key]));
        }
      }
    }
    path.pop();
  }
  return result;
}

function mergeKeyed(
  target: readonly Json[],
  before: readonly Json[],
  after: readonly Json[],
  path: PathSegment[],
  options: CompiledDiffOptions,
): Json[] {
  const [beforeKeys, afterKeys, targetKeys] = elementKeys(before, after, target) as [
    unknown[],
    unknown[],
    unknown[],
  ];
  const beforeByKey = new Map(beforeKeys.map((key, index) => [key, before[index]] as const));
  const afterByKey = new Map(afterKeys.map((key, index) => [key, index] as const));
  const result: Json[] = [];
  target.forEach((item, index) => {
    const key = targetKeys[index]!;
    const afterIndex = afterByKey.get(key);
    const inBefore = beforeByKey.has(key);
    if (afterIndex === undefined) {
      if (!inBefore) result.push(item); // not the edit's business
      return; // removed by the edit
    }
    path.push(afterIndex);
    result.push(
      ignored(path, afterIndex, options)
        ? item
        : inBefore
          ? merge(item, beforeByKey.get(key), after[afterIndex], path, options)
          : copyOf(after[afterIndex]), // added on both sides: the edit's version
    );
    path.pop();
  });
  const inTarget = new Set(targetKeys);
  afterKeys.forEach((key, index) => {
    if (inTarget.has(key)) return;
    path.push(index);
    // Added by the edit, or removed on the other side while the edit changed it (the edit's
    // change wins, as it does for a key).
    if (
      !beforeByKey.has(key) ||
      !sameUnderRules(beforeByKey.get(key), after[index], path, options)
    ) {
      result.push(copyOf(after[index]));
    }
    path.pop();
  });
  return result;
}
