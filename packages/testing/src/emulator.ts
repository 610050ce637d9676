import type { PassfortEventData, PassfortEventName } from '@passfort-webhooks/core';
import {
  type EmulatorOptions,
  resolveEmulatorOptions,
  SCALED_DEADLINE_FLOOR_MS,
} from './emulator/emulator-options.js';
import type { DeliveryFailure, RequestReport } from './emulator/request-report.js';
import { sendRequest } from './emulator/send-request.js';
import {
  type EmulatorFailure,
  type EmulatorStatus,
  type QueuedWebhook,
  StatusPage,
} from './emulator/status-page.js';
import { eventFactories } from './event-factories.js';
import { passfortRetryDelay } from './passfort-retry-delay.js';

export {
  type DeliveryFailure,
  type EmulatorFailure,
  type EmulatorOptions,
  type EmulatorStatus,
  type RequestReport,
  SCALED_DEADLINE_FLOOR_MS,
};

/** One webhook exactly as Passfort sends it. */
export interface Envelope {
  id: string;
  event: string;
  secret: string;
  timestamp: number;
  data: Record<string, unknown>;
}

/** Counters since creation. */
export interface EmulatorStats {
  emitted: number;
  requests: number;
  /** Webhooks acknowledged (a 200 acks a whole batch). */
  acked: number;
  /** Requests that did not get a 200, injected losses included. */
  failedRequests: number;
  /** Requests lost before the receiver saw them ({@link EmulatorOptions.lossBeforeReceiver}). */
  lostBeforeReceiver: number;
  /** Requests the receiver processed whose answer was lost ({@link EmulatorOptions.lossAfterReceiver}). */
  lostAfterReceiver: number;
  /** Latency of every acknowledged request, in ms. */
  ackLatenciesMs: number[];
}

/** A local Passfort sending webhooks to one endpoint. */
export interface Emulator {
  /** Queues a webhook of a documented event; `data` defaults to a realistic payload. */
  emit<E extends PassfortEventName>(event: E, data?: PassfortEventData<E>): Envelope;
  /** Queues any object as a webhook, exactly as given (malformed or future events). */
  emitRaw(envelope: Record<string, unknown>): void;
  /**
   * The portal's Retry button: the next attempt goes now, ignoring the backoff (and, batched,
   * the interval). Pressed while a request is in flight, the wait after it is skipped.
   */
  retryNow(): void;
  /**
   * The portal's Refresh button, as the seed help page documents it: clears Recent failures
   * until the next failure. (A later page says Refresh also retries at once: call
   * {@link Emulator.retryNow} too for that.)
   */
  refresh(): void;
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
 * again with anything newer otherwise, after the backoff alone); a 5 s (batched) / 10 s
 * (single) response deadline; retries after 30 s × 2^(attempt − 1) for 12 attempts, then
 * daily; only a 200 counts, and a redirect is not followed.
 *
 * @example
 * const passfort = createEmulator({
 *   target: 'http://127.0.0.1:3000/webhooks/passfort',
 *   secret,
 *   batching: true,
 *   timeScale: 0.001, // 30 s retries in 30 ms; deadlines scaled, but never below 250 ms
 *   lossAfterReceiver: 0.05, // processed, answer lost: dedupe must absorb the redelivery
 * });
 * passfort.emit('CHECK_COMPLETED');
 * await passfort.drain();
 */
export function createEmulator(options: EmulatorOptions): Emulator {
  const settings = resolveEmulatorOptions(options);
  const queue: QueuedWebhook[] = [];
  const page = new StatusPage();
  const stats: EmulatorStats = {
    emitted: 0,
    requests: 0,
    acked: 0,
    failedRequests: 0,
    lostBeforeReceiver: 0,
    lostAfterReceiver: 0,
    ackLatenciesMs: [],
  };
  let closed = false;
  // Waiting for webhooks (woken by emit) and waiting out an interval or backoff (woken by
  // retryNow) are separate, so a new webhook never cuts a backoff short.
  let wakeIdle: (() => void) | undefined;
  let wakeSleep: (() => void) | undefined;
  let retryRequested = false;
  let inFlight: AbortController | undefined;

  /** Waits `ms` real milliseconds, unless Retry was pressed. */
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      if (retryRequested || closed) return resolve();
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        wakeSleep = undefined;
        resolve();
      }
      wakeSleep = done;
    });

  async function deliver(batch: QueuedWebhook[]): Promise<boolean> {
    inFlight = new AbortController();
    const report: RequestReport = {
      ...(await sendRequest(
        settings,
        batch.map((webhook) => webhook.envelope),
        inFlight,
        () => closed,
      )),
      retry: page.headFailures,
    };
    inFlight = undefined;
    stats.requests++;
    if (report.acked) {
      stats.acked += batch.length;
      stats.ackLatenciesMs.push(report.latencyMs);
      page.acked();
    } else {
      stats.failedRequests++;
      if (report.failure === 'lost-before-receiver') stats.lostBeforeReceiver++;
      if (report.failure === 'lost-after-receiver') stats.lostAfterReceiver++;
      page.failed(batch, report.status, report.error ?? 'failed');
    }
    options.onRequest?.(report);
    return report.acked;
  }

  async function run(): Promise<void> {
    while (!closed) {
      if (queue.length === 0) {
        await new Promise<void>((resolve) => (wakeIdle = resolve));
        wakeIdle = undefined;
        continue;
      }
      // The 0–10 s batch cadence comes before a batch's first attempt only: a retry waits
      // the backoff alone, as Passfort's does.
      if (settings.batching && page.headFailures === 0) await sleep(settings.batchIntervalMs());
      retryRequested = false;
      if (closed) break;
      const batch = queue.slice(0, settings.batching ? settings.maxBatchSize : 1);
      if (await deliver(batch)) {
        queue.splice(0, batch.length);
        continue;
      }
      const delayMs = passfortRetryDelay(page.headFailures) * settings.timeScale;
      options.onBackoff?.(delayMs, page.headFailures);
      page.nextRetryAt = new Date(Date.now() + delayMs);
      await sleep(delayMs);
      page.nextRetryAt = null;
    }
  }
  const running = run();

  function push(envelope: Record<string, unknown>): void {
    queue.push({ envelope, queuedAt: new Date(), failedAttempts: 0 });
    stats.emitted++;
    wakeIdle?.();
  }

  return {
    stats,
    emit(event, data) {
      const envelope: Envelope = {
        id: crypto.randomUUID(),
        event,
        secret: settings.secret,
        timestamp: Math.floor(Date.now() / 1000),
        data: (data ?? eventFactories[event]()) as Record<string, unknown>,
      };
      push(envelope as unknown as Record<string, unknown>);
      return envelope;
    },
    emitRaw: push,
    retryNow() {
      // Nothing queued: nothing to retry, and the next webhook keeps its interval.
      if (queue.length === 0) return;
      retryRequested = true;
      wakeSleep?.();
    },
    refresh() {
      page.refresh();
    },
    status() {
      return page.snapshot(queue);
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
