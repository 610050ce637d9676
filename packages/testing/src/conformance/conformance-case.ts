import { AssertionError, deepStrictEqual } from 'node:assert/strict';

/**
 * One check of a conformance kit: a name to show as a test, and a function that resolves
 * when the implementation behaves as the contract says and rejects with an
 * `AssertionError` naming what differed. Runs under any test runner:
 *
 * @example
 * // vitest or jest
 * for (const check of dedupeStoreConformanceCases(open)) it(check.name, check.run);
 * // node:test
 * for (const check of dedupeStoreConformanceCases(open)) test(check.name, check.run);
 */
export interface ConformanceCase {
  readonly name: string;
  run(): Promise<void>;
}

/** Fails unless `actual` deep-equals `expected`. */
export function expectEqual(actual: unknown, expected: unknown, what: string): void {
  deepStrictEqual(actual, expected, what);
}

/** Fails unless `condition` holds. */
export function expectTrue(condition: boolean, what: string): void {
  if (!condition) throw new AssertionError({ message: what, actual: condition, expected: true });
}

/**
 * Fails unless `actual` has every key of `pattern` with an equal value, recursively
 * (extra keys allowed, like Jest's `toMatchObject`). A function in the pattern is a
 * predicate for that value.
 */
export function expectMatch(actual: unknown, pattern: unknown, what: string): void {
  if (!matches(actual, pattern)) {
    throw new AssertionError({ message: what, actual, expected: pattern, operator: 'matches' });
  }
}

function matches(actual: unknown, pattern: unknown): boolean {
  if (typeof pattern === 'function') return (pattern as (value: unknown) => boolean)(actual);
  if (pattern === null || typeof pattern !== 'object') return Object.is(actual, pattern);
  if (actual === null || typeof actual !== 'object') return false;
  if (Array.isArray(pattern)) {
    return (
      Array.isArray(actual) &&
      actual.length === pattern.length &&
      pattern.every((item, i) => matches(actual[i], item))
    );
  }
  return Object.entries(pattern).every(([key, value]) =>
    matches((actual as Record<string, unknown>)[key], value),
  );
}

/** Waits `ms` milliseconds. */
export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
