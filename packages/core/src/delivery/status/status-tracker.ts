import type { DriftReport } from '../../observability/drift-report.js';
import type { SilenceStatus } from '../../observability/silence-watch.js';
import type { QueueProgress } from '../../queues/webhook-queue.js';
import { MinuteHistory, type MinuteSummary } from './minute-history.js';

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
  /** What the receiver did since start-up, per outcome (the console's counters). */
  readonly counts: WebhookCounts;
  /**
   * How long the receiver took to answer Passfort, over its last 1,024 delivery requests (refusals
   * aside), in milliseconds; `count` 0 before the first.
   */
  readonly ackLatencyMs: LatencyPercentiles;
  /**
   * The last 60 minutes, oldest first: webhooks by outcome and ack latency per minute (the
   * console's charts). Minutes without activity are zeros.
   */
  readonly lastHour: readonly MinuteSummary[];
  /**
   * What Passfort sent that this version does not know yet: unknown event names, keys outside
   * the documented schemas, enum values outside the documented ones (see the `drift` option).
   */
  readonly drift: DriftReport;
  /** Whether the sender fell silent (see the `expectWebhookWithin` option). */
  readonly silence: SilenceStatus;
}

/** Counts since start-up, per outcome. */
export interface WebhookCounts {
  /** Webhooks in delivery requests that passed the checks. */
  readonly received: number;
  /** Webhooks whose handlers ran to completion (inline, by a worker, or replayed). */
  readonly processed: number;
  /** Webhooks already handled, skipped. */
  readonly duplicates: number;
  /**
   * Of those duplicates, ids that arrived with another event or payload than the webhook
   * processed under them (each logged as a warning, with both events and no payload value).
   */
  readonly changedDuplicates: number;
  /** Collected-data echoes of our own writes. */
  readonly echoes: number;
  /** Handler failures (each attempt), dead letters included. */
  readonly failures: number;
  /** Webhooks moved to the dead letters. */
  readonly deadLettered: number;
}

/** Percentiles of a latency, in whole milliseconds. */
export interface LatencyPercentiles {
  readonly count: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
}

const RECENT_FAILURES = 10;
const LATENCY_WINDOW = 1024;

/** Counts what the receiver does, for `status()`. */
export class StatusTracker {
  #waiting = 0;
  #echoes = 0;
  #schemaMismatches = 0;
  #received = 0;
  #processed = 0;
  #duplicates = 0;
  #changedDuplicates = 0;
  #failureCount = 0;
  #deadLettered = 0;
  // A ring of the last answers' latencies: a write per request, sorted only when read.
  readonly #latencies = new Float64Array(LATENCY_WINDOW);
  #latencyCount = 0;
  #lastProcessedAt: number | null = null;
  #lastProgressAt = Date.now();
  readonly #failures: FailureSummary[] = [];
  readonly #minutes = new MinuteHistory();

  constructor(readonly stalledAfterMs: number) {}

  /** Webhooks accepted and not yet processed (inline mode), at `at` when the caller read it. */
  addWaiting(count: number, at?: number): void {
    if (this.#waiting === 0 && count > 0) this.#lastProgressAt = at ?? Date.now();
    this.#waiting += count;
  }

  removeWaiting(count: number): void {
    this.#waiting = Math.max(0, this.#waiting - count);
  }

  /** A webhook was processed at `at` (a clock read the caller already made, when it has one). */
  recordProcessed(at = Date.now()): void {
    this.#processed++;
    this.#minutes.count('processed', 1, at);
    this.#lastProcessedAt = at;
    this.#lastProgressAt = at;
  }

  recordEcho(): void {
    this.#echoes++;
    this.#lastProcessedAt = Date.now();
    this.#minutes.count('echoes', 1, this.#lastProcessedAt);
    this.#lastProgressAt = this.#lastProcessedAt;
  }

  /** A delivery request was answered: its webhooks, those already handled, and how long it took. */
  recordRequest(received: number, duplicates: number, latencyMs: number): void {
    this.#received += received;
    this.#duplicates += duplicates;
    this.#latencies[this.#latencyCount % LATENCY_WINDOW] = latencyMs;
    this.#latencyCount++;
    const now = Date.now();
    this.#minutes.request(latencyMs, now);
    this.#minutes.count('received', received, now);
    this.#minutes.count('duplicates', duplicates, now);
  }

  /** A duplicate's id was processed with another event or payload (see `changedDuplicates`). */
  recordChangedDuplicate(): void {
    this.#changedDuplicates++;
  }

  recordSchemaMismatch(): void {
    this.#schemaMismatches++;
  }

  recordFailure(failure: Omit<FailureSummary, 'at'>): void {
    this.#failureCount++;
    this.#minutes.count('failures');
    if (failure.deadLettered) {
      this.#deadLettered++;
      this.#minutes.count('deadLettered');
      this.#lastProgressAt = Date.now();
    }
    this.#failures.unshift({ ...failure, at: new Date() });
    this.#failures.length = Math.min(this.#failures.length, RECENT_FAILURES);
  }

  /**
   * `queue`: what the queue knows of every process consuming it (`WebhookQueue.progress`), so
   * that workers elsewhere count as progress; without it, only this process's own counts.
   */
  snapshot(
    deadLetters: number,
    seen: { readonly drift: DriftReport; readonly silence: SilenceStatus },
    queuedWaiting = 0,
    queue?: QueueProgress,
  ): WebhookStatus {
    const waiting = this.#waiting + queuedWaiting;
    // Queued work is stalled once neither a completion nor the oldest item's arrival is
    // recent: an idle hour before a new batch is no stall, and a head retried for an hour is.
    const progressAt =
      queue === undefined
        ? this.#lastProgressAt
        : Math.max(
            this.#lastProgressAt,
            queue.lastCompletedAt ?? 0,
            queue.oldestWaitingSince ?? Number.POSITIVE_INFINITY,
          );
    const stalled = waiting > 0 && Date.now() - progressAt > this.stalledAfterMs;
    const processedAt = Math.max(this.#lastProcessedAt ?? 0, queue?.lastCompletedAt ?? 0);
    return {
      queue: waiting === 0 ? 'empty' : stalled ? 'stalled' : { waiting },
      lastProcessedAt: processedAt === 0 ? null : new Date(processedAt),
      recentFailures: [...this.#failures],
      deadLetters,
      echoes: this.#echoes,
      schemaMismatches: this.#schemaMismatches,
      counts: {
        received: this.#received,
        processed: this.#processed,
        duplicates: this.#duplicates,
        changedDuplicates: this.#changedDuplicates,
        echoes: this.#echoes,
        failures: this.#failureCount,
        deadLettered: this.#deadLettered,
      },
      ackLatencyMs: this.#percentiles(),
      lastHour: this.#minutes.lastHour(),
      drift: seen.drift,
      silence: seen.silence,
    };
  }

  #percentiles(): LatencyPercentiles {
    const count = Math.min(this.#latencyCount, LATENCY_WINDOW);
    if (count === 0) return { count: 0, p50: 0, p90: 0, p99: 0 };
    const sorted = this.#latencies.slice(0, count).sort();
    const at = (q: number) => Math.round(sorted[Math.min(count - 1, Math.floor(q * count))]!);
    return { count, p50: at(0.5), p90: at(0.9), p99: at(0.99) };
  }
}
