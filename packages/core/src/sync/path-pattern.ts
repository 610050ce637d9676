/** One step into a JSON value: an object key or an array index. */
export type PathSegment = string | number;

/**
 * A path pattern, dot-separated: `ip_location.continent`, `address_history.*.address`
 * (`*` is any one key or array index), `**.original_structured_address` (`**` is any
 * number of steps, none included).
 */
export type PathPattern = string;

type CompiledPattern = readonly string[];

/** Compiles patterns once, for {@link matchesAnyPattern}. */
export function compilePatterns(patterns: readonly PathPattern[]): readonly CompiledPattern[] {
  return patterns.map((pattern) => pattern.split('.'));
}

function matchFrom(
  pattern: CompiledPattern,
  p: number,
  path: readonly PathSegment[],
  s: number,
): boolean {
  for (; p < pattern.length; p++, s++) {
    const part = pattern[p]!;
    if (part === '**') {
      for (let skip = s; skip <= path.length; skip++) {
        if (matchFrom(pattern, p + 1, path, skip)) return true;
      }
      return false;
    }
    if (s >= path.length) return false;
    if (part !== '*' && part !== String(path[s])) return false;
  }
  return s === path.length;
}

/** True when `path` matches one of the compiled patterns exactly. */
export function matchesAnyPattern(
  path: readonly PathSegment[],
  patterns: readonly CompiledPattern[],
): boolean {
  for (const pattern of patterns) if (matchFrom(pattern, 0, path, 0)) return true;
  return false;
}
