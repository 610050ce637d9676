/**
 * How deep {@link diffCollectedData}, the loop guard's fingerprint and `mergeCollectedData`
 * walk into a value: 500 levels, where a real collected_data is about 6. Deeper data throws a
 * `RangeError` that says so, never a stack overflow (at about 6,000 levels).
 */
export const MAX_COLLECTED_DATA_DEPTH = 500;

/** Throws the documented error once a walk goes deeper than {@link MAX_COLLECTED_DATA_DEPTH}. */
export function checkDepth(depth: number): void {
  if (depth > MAX_COLLECTED_DATA_DEPTH) {
    throw new RangeError(
      `[passfort-webhooks] collected_data is nested deeper than ${MAX_COLLECTED_DATA_DEPTH} levels (MAX_COLLECTED_DATA_DEPTH); it is compared no further`,
    );
  }
}
