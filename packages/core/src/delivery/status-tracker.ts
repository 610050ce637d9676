/** One recent failure, as `status().recentFailures` lists it. Never a secret or payload. */
export interface FailureSummary {
  readonly id: string;
  readonly event: string;
  readonly error: string;
  readonly attempts: number;
  readonly at: Date;
  /** True when this failure moved the webhook to the dead letters. */
  readonly deadLettered: boolean;
}

/**
 * The receiving side's view of its queue, mirroring Passfort's own webhook status page:
 * `empty`, `{ waiting }`, or `stalled` when work waits and nothing progressed for a while.
 */
export interface WebhookStatus {
  readonly queue: 'empty' | { readonly waiting: number } | 'stalled';
  readonly lastProcessedAt: Date | null;
  /** The 10 most recent failures, newest first. */
  readonly recentFailures: readonly FailureSummary[];
  readonly deadLetters: number;
  /** Collected-data webhooks recognised as echoes of our own writes since start-up. */
  readonly echoes: number;
  /**
   * Webhooks of a documented event whose payload did not match its schema, since start-up
   * (each dead-lettered, or delivered to `onAny` unvalidated, as `onSchemaMismatch` says).
   */
  readonly schemaMismatches: number;
}

const RECENT_FAILURES = 10;

/** Counts what the receiver does, for `status()`. */
export class StatusTracker {
  #waiting = 0;
  #echoes = 0;
  #schemaMismatches = 0;
  #lastProcessedAt: number | null = null;
  #lastProgressAt = Date.now();
  readonly #failures: FailureSummary[] = [];

  constructor(readonly stalledAfterMs: number) {}

  /** Webhooks accepted and not yet processed (inline mode). */
  addWaiting(count: number): void {
    if (this.#waiting === 0 && count > 0) this.#lastProgressAt = Date.now();
    this.#waiting += count;
  }

  removeWaiting(count: number): void {
    this.#waiting = Math.max(0, this.#waiting - count);
  }

  /** A webhook was processed at `at` (a clock read the caller already made, when it has one). */
  recordProcessed(at = Date.now()): void {
    this.#lastProcessedAt = at;
    this.#lastProgressAt = this.#lastProcessedAt;
  }

  recordEcho(): void {
    this.#echoes++;
    this.recordProcessed();
  }

  recordSchemaMismatch(): void {
    this.#schemaMismatches++;
  }

  recordFailure(failure: Omit<FailureSummary, 'at'>): void {
    if (failure.deadLettered) this.#lastProgressAt = Date.now();
    this.#failures.unshift({ ...failure, at: new Date() });
    this.#failures.length = Math.min(this.#failures.length, RECENT_FAILURES);
  }

  snapshot(deadLetters: number, queuedWaiting = 0): WebhookStatus {
    const waiting = this.#waiting + queuedWaiting;
    const stalled = waiting > 0 && Date.now() - this.#lastProgressAt > this.stalledAfterMs;
    return {
      queue: waiting === 0 ? 'empty' : stalled ? 'stalled' : { waiting },
      lastProcessedAt: this.#lastProcessedAt === null ? null : new Date(this.#lastProcessedAt),
      recentFailures: [...this.#failures],
      deadLetters,
      echoes: this.#echoes,
      schemaMismatches: this.#schemaMismatches,
    };
  }
}
