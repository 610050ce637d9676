/**
 * The last hour, per minute, for the console's charts: webhooks by outcome and the ack
 * latency's p50 and p99. Bounded: 60 minutes of counters and a small latency histogram
 * each, whatever the traffic. Latencies are kept as histogram buckets rather than samples,
 * so a busy minute costs no more memory than a quiet one; a percentile is read as its
 * bucket's upper bound (within 25 %).
 */

/** One minute of the last hour, as `status().lastHour` lists it. */
export interface MinuteSummary {
  /** The minute's start. */
  readonly at: Date;
  /** Webhooks in delivery requests that passed the checks. */
  readonly received: number;
  /** Webhooks whose handlers ran to completion. */
  readonly processed: number;
  /** Webhooks already handled, skipped. */
  readonly duplicates: number;
  /** Collected-data echoes of our own writes. */
  readonly echoes: number;
  /** Handler failures (each attempt), dead letters included. */
  readonly failures: number;
  /** Webhooks moved to the dead letters. */
  readonly deadLettered: number;
  /** Delivery requests answered. */
  readonly requests: number;
  /** Ack latency percentiles of those requests, in milliseconds (0 without a request). */
  readonly ackP50Ms: number;
  readonly ackP99Ms: number;
}

const MINUTE_MS = 60_000;
const MINUTES = 60;
/**
 * Latency bucket bounds: 1 ms, then × 1.25 up to past a minute, plus Passfort's deadlines
 * (5 s batched, 10 s single) exactly, so an answer just inside a deadline is never read as
 * past it.
 */
const BOUNDS: readonly number[] = (() => {
  const bounds: number[] = [5_000, 10_000];
  for (let bound = 1; bound < 2 * MINUTE_MS; bound *= 1.25) bounds.push(bound);
  return bounds.sort((a, b) => a - b);
})();

type Counter = 'received' | 'processed' | 'duplicates' | 'echoes' | 'failures' | 'deadLettered';

interface Minute {
  /** The minute's number since the epoch; -1 while unused. */
  index: number;
  received: number;
  processed: number;
  duplicates: number;
  echoes: number;
  failures: number;
  deadLettered: number;
  requests: number;
  readonly latencies: Uint32Array;
}

/** Counters per minute over the last hour, kept in a ring of 60. */
export class MinuteHistory {
  readonly #ring: Minute[] = Array.from({ length: MINUTES }, () => ({
    index: -1,
    received: 0,
    processed: 0,
    duplicates: 0,
    echoes: 0,
    failures: 0,
    deadLettered: 0,
    requests: 0,
    latencies: new Uint32Array(BOUNDS.length + 1),
  }));

  /** Adds `by` to one counter of the minute of `at`. */
  count(counter: Counter, by = 1, at = Date.now()): void {
    if (by !== 0) this.#minute(at)[counter] += by;
  }

  /** An answered delivery request and its latency. */
  request(latencyMs: number, at = Date.now()): void {
    const minute = this.#minute(at);
    minute.requests++;
    minute.latencies[bucketOf(latencyMs)]!++;
  }

  /** The last 60 minutes, oldest first, the current one last; minutes without activity are zeros. */
  lastHour(now = Date.now()): MinuteSummary[] {
    const current = Math.floor(now / MINUTE_MS);
    const out: MinuteSummary[] = [];
    for (let index = current - MINUTES + 1; index <= current; index++) {
      const minute = this.#ring[index % MINUTES]!;
      const at = new Date(index * MINUTE_MS);
      if (minute.index !== index) {
        out.push({ ...EMPTY, at });
        continue;
      }
      out.push({
        at,
        received: minute.received,
        processed: minute.processed,
        duplicates: minute.duplicates,
        echoes: minute.echoes,
        failures: minute.failures,
        deadLettered: minute.deadLettered,
        requests: minute.requests,
        ackP50Ms: percentile(minute, 0.5),
        ackP99Ms: percentile(minute, 0.99),
      });
    }
    return out;
  }

  #minute(at: number): Minute {
    const index = Math.floor(at / MINUTE_MS);
    const minute = this.#ring[index % MINUTES]!;
    if (minute.index !== index) {
      // A minute an hour old (or never used) is reused for this one.
      minute.index = index;
      minute.received = 0;
      minute.processed = 0;
      minute.duplicates = 0;
      minute.echoes = 0;
      minute.failures = 0;
      minute.deadLettered = 0;
      minute.requests = 0;
      minute.latencies.fill(0);
    }
    return minute;
  }
}

const EMPTY = {
  received: 0,
  processed: 0,
  duplicates: 0,
  echoes: 0,
  failures: 0,
  deadLettered: 0,
  requests: 0,
  ackP50Ms: 0,
  ackP99Ms: 0,
};

function bucketOf(latencyMs: number): number {
  // Few buckets: a linear scan is as fast as a logarithm here and exact at the bounds.
  for (let i = 0; i < BOUNDS.length; i++) if (latencyMs <= BOUNDS[i]!) return i;
  return BOUNDS.length;
}

/** The upper bound of the bucket holding the `q` quantile, in whole ms. */
function percentile(minute: Minute, q: number): number {
  if (minute.requests === 0) return 0;
  const rank = Math.max(1, Math.ceil(q * minute.requests));
  let seen = 0;
  for (let i = 0; i < minute.latencies.length; i++) {
    seen += minute.latencies[i]!;
    if (seen >= rank) return Math.round(BOUNDS[i] ?? 2 * MINUTE_MS);
  }
  return Math.round(2 * MINUTE_MS);
}
