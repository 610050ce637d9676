const SECOND = 1000;
const DAY = 24 * 60 * 60 * SECOND;

/**
 * Passfort's documented retry schedule: 30 s × 2^(attempt − 1) for the first 12 failed
 * attempts, then once a day. `attempt` counts failures, from 1.
 *
 * @example passfortRetryDelay(1) === 30_000; passfortRetryDelay(12) === 61_440_000
 */
export function passfortRetryDelay(attempt: number): number {
  if (attempt < 1) return 0;
  return attempt <= 12 ? 30 * SECOND * 2 ** (attempt - 1) : DAY;
}
