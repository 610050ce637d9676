/** One step into a JSON value: an object key or an array index. */
export type PathSegment = string | number;

/**
 * A path pattern, dot-separated: `ip_location.continent`, `address_history.*.address`
 * (`*` is any one key or array index), `**.original_structured_address` (`**` is any
 * number of steps, none included).
 */
export type PathPattern = string;

type CompiledPattern = readonly string[];

/** Patterns compiled for {@link matchesAnyPattern}. */
export interface CompiledPatterns {
  readonly patterns: readonly CompiledPattern[];
  /** Literal last steps of the patterns: a path ending elsewhere cannot match (the fast path). */
  readonly lastSteps: ReadonlySet<string>;
  /** True when a pattern ends in a wildcard, so every path must be checked. */
  readonly wildcardLast: boolean;
}

/** Compiles patterns once, for {@link matchesAnyPattern}. */
export function compilePatterns(patterns: readonly PathPattern[]): CompiledPatterns {
  const compiled = patterns.map((pattern) => pattern.split('.'));
  const lasts = compiled.map((parts) => parts[parts.length - 1]!);
  return {
    patterns: compiled,
    lastSteps: new Set(lasts),
    wildcardLast: lasts.some((last) => last === '*' || last === '**'),
  };
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
  compiled: CompiledPatterns,
): boolean {
  if (compiled.patterns.length === 0) return false;
  if (!compiled.wildcardLast && !compiled.lastSteps.has(String(path[path.length - 1])))
    return false;
  for (const pattern of compiled.patterns) if (matchFrom(pattern, 0, path, 0)) return true;
  return false;
}
