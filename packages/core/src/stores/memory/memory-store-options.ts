import { ConfigurationError } from '../../errors/configuration-error.js';
import { type KnownOptions, refuseUnknownOptions } from '../../options/refuse-unknown-options.js';
import { DEFAULT_RETENTION_MS } from '../dedupe-store.js';
import { monotonicClock } from './monotonic-clock.js';

/** The options it accepts: an unknown one is refused (see `refuseUnknownOptions`). */
const MEMORY_STORE_OPTIONS = {
  maxEntries: true,
  retentionMs: true,
  maxDeadLetters: true,
  maxProfiles: true,
  now: true,
} as const satisfies KnownOptions<MemoryStoreOptions>;

/** Options of {@link memoryStore}. */
export interface MemoryStoreOptions {
  /**
   * How many ids to remember at most; the oldest completed ones are forgotten first.
   * @default 1_000_000
   */
  maxEntries?: number;
  /**
   * How long a completed id is remembered. Passfort redelivers an unacknowledged batch
   * within hours (12 retries take about 34 hours, then daily), so the default outlasts it.
   * @default 7 days
   */
  retentionMs?: number;
  /**
   * How many dead letters to keep at most; the oldest are dropped first.
   * @default 10_000
   */
  maxDeadLetters?: number;
  /**
   * How many profiles' completions to remember for order-safe replay (`processedSince`), each
   * its newest 64 for the retention, at most; the least recently updated are forgotten first,
   * half of this at a time, so at least the most recently updated half is always kept.
   * A replayed dead letter whose profile was forgotten is not known to be superseded.
   * @default 10_000
   */
  maxProfiles?: number;
  /**
   * The clock, for tests. @default a monotonic clock (`performance.now()` from the wall-clock
   * time the store was made): a wall clock set forward must not end every lease at once
   */
  now?: () => number;
}

/** {@link MemoryStoreOptions} checked, with their defaults. */
export interface ResolvedMemoryStoreOptions {
  readonly maxEntries: number;
  readonly retentionMs: number;
  readonly maxDeadLetters: number;
  readonly maxProfiles: number;
  /** Leases and retention: a clock that does not jump. */
  readonly now: () => number;
  /** Completion times, which a replay compares with a dead letter's failedAt (epoch ms). */
  readonly wallNow: () => number;
}

/** Checks {@link MemoryStoreOptions} once, when the store is made: a bad one throws then. */
export function resolveMemoryStoreOptions(options: MemoryStoreOptions): ResolvedMemoryStoreOptions {
  refuseUnknownOptions('memoryStore', options, MEMORY_STORE_OPTIONS);
  const maxEntries = options.maxEntries ?? 1_000_000;
  const retentionMs = options.retentionMs ?? DEFAULT_RETENTION_MS;
  const maxDeadLetters = options.maxDeadLetters ?? 10_000;
  const maxProfiles = options.maxProfiles ?? 10_000;
  const now = options.now ?? monotonicClock();
  const wallNow = options.now ?? Date.now;
  if (!Number.isInteger(maxEntries) || maxEntries < 1) {
    throw new ConfigurationError('memoryStore maxEntries must be a positive integer');
  }
  if (!Number.isInteger(maxDeadLetters) || maxDeadLetters < 1) {
    throw new ConfigurationError('memoryStore maxDeadLetters must be a positive integer');
  }
  if (!Number.isInteger(maxProfiles) || maxProfiles < 1) {
    throw new ConfigurationError('memoryStore maxProfiles must be a positive integer');
  }
  if (!(retentionMs > 0)) throw new ConfigurationError('memoryStore retentionMs must be positive');
  return { maxEntries, retentionMs, maxDeadLetters, maxProfiles, now, wallNow };
}
