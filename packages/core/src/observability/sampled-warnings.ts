import type { Logger } from './logger.js';

/**
 * Warns about one kind of trouble at most once per interval, and says how many like it it
 * held back meanwhile. A sender with a wrong secret retries for ever: a warning per request
 * would drown the log, none would hide the mistake.
 */
export class SampledWarnings {
  readonly #intervalMs: number;
  readonly #last = new Map<string, { at: number; held: number }>();

  constructor(intervalMs = 60_000) {
    this.#intervalMs = intervalMs;
  }

  /** Warns under `key` unless it did within the interval. Keys are few (error codes). */
  warn(logger: Logger, key: string, fields: Record<string, unknown>, message: string): void {
    if (logger.warn === undefined) return;
    const now = Date.now();
    const last = this.#last.get(key);
    if (last !== undefined && now - last.at < this.#intervalMs) {
      last.held++;
      return;
    }
    this.#last.set(key, { at: now, held: 0 });
    const held = last === undefined || last.held === 0 ? {} : { similarSinceLast: last.held };
    logger.warn({ ...fields, ...held }, message);
  }
}
