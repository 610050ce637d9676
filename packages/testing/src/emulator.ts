import {
  DELIVERY_COUNTS_HEADER,
  type DeliveryCounts,
  type PassfortEventData,
  type PassfortEventName,
  parseDeliveryCounts,
} from '@passfort-webhooks/core';
import { eventFactories } from './event-factories.js';
import { passfortRetryDelay } from './passfort-retry-delay.js';

/** Options of {@link createEmulator}. */
export interface EmulatorOptions {
  /** The receiver's URL, e.g. `http://127.0.0.1:3000/webhooks/passfort`. */
  target: string;
  /** The shared secret, sent as `Authorization: Bearer` and in every webhook's `secret`. */
  secret: string;
  /**
   * Passfort's batching: up to 100 queued webhooks per request, as a JSON array, about
   * every 0–10 s. Off: one webhook per request, the next only after a 200.
   * @default false
   */
  batching?: boolean;
  /**
   * Multiplies every delay, deadline and interval: `0.001` runs Passfort's 30 s first retry
   * in 30 ms, so tests run in milliseconds with the real schedule's shape.
   * @default 1
   */
  timeScale?: number;
  /**
   * Wait before each batched request, before scaling.
   * @default a random 0–10 000 ms, as Passfort
   */
  batchIntervalMs?: number | (() => number);
  /**
   * Response deadlines in real milliseconds, not scaled: for a fast `timeScale` with a
   * receiver that needs real time to answer.
   * @default Passfort's 5 000 (batched) / 10 000 (single), multiplied by `timeScale`
   */
  deadlineMs?: { batched?: number; single?: number };
  /** @default 100 */
  maxBatchSize?: number;
  /** @default globalThis.fetch */
  fetch?: typeof fetch;
  /**
   * Share of requests that fail in transit without reaching the receiver (0–1), to
   * exercise retries and redeliveries.
   * @default 0
   */
  failureRate?: number;
  /** Called with each retry wait (scaled, in ms) and the failed attempt it follows. */
  onBackoff?: (delayMs: number, attempt: number) => void;
  /** Called after every request, for progress displays and tests. */
  onRequest?: (report: RequestReport) => void;
}

/** One webhook exactly as Passfort sends it. */
export interface Envelope {
  id: string;
  event: string;
  secret: string;
  timestamp: number;
  data: Record<string, unknown>;
}

/** What one delivery request did. */
export interface RequestReport {
  readonly ids: readonly string[];
  /** The receiver's status, or null when no response arrived (deadline, network). */
  readonly status: number | null;
  /** The receiver's response body, when one arrived (a passfort-webhooks 200 has none). */
  readonly body?: string;
  /** The counts a passfort-webhooks receiver reports in its `passfort-webhooks-counts` header. */
  readonly counts?: DeliveryCounts;
  readonly error?: string;
  readonly latencyMs: number;
  /** Failed attempts of the head of the queue before this one (0 for a first try). */
  readonly retry: number;
  readonly acked: boolean;
}

/** A failed delivery, as Passfort's portal lists it. */
export interface EmulatorFailure {
  readonly id: string;
  readonly event: string;
  readonly batchSize: number;
  readonly status: number | null;
  readonly error: string;
  readonly attempt: number;
  readonly at: Date;
}

/** Passfort's webhook status page for this endpoint. */
export interface EmulatorStatus {
  /** `stalled` while the head of the queue is failing and waiting for its retry. */
  readonly queue: 'empty' | { readonly waiting: number } | 'stalled';
  readonly lastProcessedAt: Date | null;
  /** The 10 most recent failures, newest first. */
  readonly recentFailures: readonly EmulatorFailure[];
}

/** Counters since creation. */
export interface EmulatorStats {
  emitted: number;
  requests: number;
  acked: number;
  failedRequests: number;
  /** Latency of every acknowledged request, in ms. */
  ackLatenciesMs: number[];
}

/** A local Passfort sending webhooks to one endpoint. */
export interface Emulator {
  /** Queues a webhook of a documented event; `data` defaults to a realistic payload. */
  emit<E extends PassfortEventName>(event: E, data?: PassfortEventData<E>): Envelope;
  /** Queues any object as a webhook, exactly as given (malformed or future events). */
  emitRaw(envelope: Record<string, unknown>): void;
  /** Like the portal's Retry button: the next attempt goes now, whatever the backoff. */
  retryNow(): void;
  status(): EmulatorStatus;
  readonly stats: EmulatorStats;
  /** Resolves when the queue is empty; rejects after `timeoutMs` with the status. */
  drain(options?: { timeoutMs?: number }): Promise<void>;
  /** Stops sending; what is still queued stays unsent. */
  close(): Promise<void>;
}

/**
 * A faithful local Passfort sender, as PASSFORT.md documents it: one queue per endpoint in
 * trigger order; unbatched (one webhook per request, the next after a 200) or batched (the
 * first 100 queued in one JSON array about every 0–10 s, removed only on a 200 and sent
 * again with anything newer otherwise); a 5 s (batched) / 10 s (single) response deadline;
 * retries after 30 s × 2^(attempt − 1) for 12 attempts, then daily; only a 200 counts.
 *
 * @example
 * const passfort = createEmulator({ target: 'http://127.0.0.1:3000/webhooks/passfort', secret, batching: true, timeScale: 0.001 });
 * passfort.emit('CHECK_COMPLETED');
 * await passfort.drain();
 */
export function createEmulator(options: EmulatorOptions): Emulator {
  const target = new URL(options.target).toString();
  const timeScale = options.timeScale ?? 1;
  if (!(timeScale > 0)) throw new Error('[passfort-webhooks] timeScale must be positive');
  const batching = options.batching ?? false;
  const maxBatchSize = options.maxBatchSize ?? 100;
  const doFetch = options.fetch ?? globalThis.fetch;
  const interval =
    typeof options.batchIntervalMs === 'function'
      ? options.batchIntervalMs
      : () => (options.batchIntervalMs as number | undefined) ?? Math.random() * 10_000;

  const deadlineFor = () =>
    batching
      ? (options.deadlineMs?.batched ?? 5_000 * timeScale)
      : (options.deadlineMs?.single ?? 10_000 * timeScale);
  const queue: Record<string, unknown>[] = [];
  const failures: EmulatorFailure[] = [];
  const stats: EmulatorStats = {
    emitted: 0,
    requests: 0,
    acked: 0,
    failedRequests: 0,
    ackLatenciesMs: [],
  };
  let lastProcessedAt: Date | null = null;
  let headFailures = 0;
  let closed = false;
  // Waiting for webhooks (woken by emit) and waiting out an interval or backoff (woken by
  // retryNow) are separate, so a new webhook never cuts a backoff short.
  let wakeIdle: (() => void) | undefined;
  let wakeSleep: (() => void) | undefined;
  let inFlight: AbortController | undefined;

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms * timeScale);
      function done() {
        clearTimeout(timer);
        wakeSleep = undefined;
        resolve();
      }
      wakeSleep = done;
    });

  async function deliver(batch: Record<string, unknown>[]): Promise<boolean> {
    const abort = new AbortController();
    inFlight = abort;
    const deadline = setTimeout(() => abort.abort(), deadlineFor());
    const started = performance.now();
    let status: number | null = null;
    let body: string | undefined;
    let counts: DeliveryCounts | undefined;
    let error: string | undefined;
    try {
      if (Math.random() < (options.failureRate ?? 0)) throw new Error('injected network failure');
      const response = await doFetch(target, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${options.secret}`,
          'content-type': 'application/json',
          'user-agent': 'passfort-webhooks-emulator',
        },
        body: JSON.stringify(batching ? batch : batch[0]),
        signal: abort.signal,
      });
      body = await response.text();
      counts = parseDeliveryCounts(response.headers.get(DELIVERY_COUNTS_HEADER));
      status = response.status;
      if (status !== 200) error = `HTTP ${status}`;
    } catch (cause) {
      error = abort.signal.aborted
        ? `no response within the ${deadlineFor()} ms deadline`
        : `request failed: ${(cause as Error).message}`;
    } finally {
      clearTimeout(deadline);
      inFlight = undefined;
    }
    const latencyMs = performance.now() - started;
    const acked = status === 200;
    stats.requests++;
    const ids = batch.map((item) => String(item['id']));
    if (acked) {
      stats.acked += batch.length;
      stats.ackLatenciesMs.push(latencyMs);
      lastProcessedAt = new Date();
    } else {
      stats.failedRequests++;
      failures.unshift({
        id: ids[0] ?? '',
        event: String(batch[0]?.['event'] ?? ''),
        batchSize: batch.length,
        status,
        error: error ?? 'failed',
        attempt: headFailures + 1,
        at: new Date(),
      });
      failures.length = Math.min(failures.length, 10);
    }
    options.onRequest?.({
      ids,
      status,
      ...(body === undefined ? {} : { body }),
      ...(counts === undefined ? {} : { counts }),
      ...(error === undefined ? {} : { error }),
      latencyMs,
      retry: headFailures,
      acked,
    });
    return acked;
  }

  async function run(): Promise<void> {
    while (!closed) {
      if (queue.length === 0) {
        await new Promise<void>((resolve) => (wakeIdle = resolve));
        wakeIdle = undefined;
        continue;
      }
      if (batching) await sleep(interval());
      if (closed) break;
      const batch = queue.slice(0, batching ? maxBatchSize : 1);
      if (await deliver(batch)) {
        queue.splice(0, batch.length);
        headFailures = 0;
      } else {
        headFailures++;
        options.onBackoff?.(passfortRetryDelay(headFailures) * timeScale, headFailures);
        await sleep(passfortRetryDelay(headFailures));
      }
    }
  }
  const running = run();

  function push(envelope: Record<string, unknown>): void {
    queue.push(envelope);
    stats.emitted++;
    wakeIdle?.();
  }

  return {
    stats,
    emit(event, data) {
      const envelope: Envelope = {
        id: crypto.randomUUID(),
        event,
        secret: options.secret,
        timestamp: Math.floor(Date.now() / 1000),
        data: (data ?? eventFactories[event]()) as Record<string, unknown>,
      };
      push(envelope as unknown as Record<string, unknown>);
      return envelope;
    },
    emitRaw: push,
    retryNow() {
      wakeSleep?.();
    },
    status() {
      return {
        queue:
          queue.length === 0 ? 'empty' : headFailures > 0 ? 'stalled' : { waiting: queue.length },
        lastProcessedAt,
        recentFailures: [...failures],
      };
    },
    async drain({ timeoutMs = 30_000 } = {}) {
      const until = Date.now() + timeoutMs;
      while (queue.length > 0) {
        if (closed) {
          throw new Error(
            `[passfort-webhooks] the emulator was closed before its queue drained: ${JSON.stringify(this.status())}`,
          );
        }
        if (Date.now() > until) {
          throw new Error(
            `[passfort-webhooks] the emulator's queue did not drain within ${timeoutMs} ms: ${JSON.stringify(this.status())}`,
          );
        }
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    },
    async close() {
      closed = true;
      inFlight?.abort();
      wakeIdle?.();
      wakeSleep?.();
      await running;
    },
  };
}
