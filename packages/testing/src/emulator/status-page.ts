/**
 * Passfort's webhook status page for one endpoint, kept as PASSFORT.md records it. The seed
 * page shows Queue, Last processed and Recent failures (the 10 most recent payloads that are
 * waiting, cleared by Refresh); a later help page adds Retry (when the next send is due),
 * Stalled (for how long) and Failed attempts. Both are offered, the later fields marked.
 */

/** A webhook in the emulator's queue. */
export interface QueuedWebhook {
  readonly envelope: Record<string, unknown>;
  readonly queuedAt: Date;
  /** Failed requests that carried it. */
  failedAttempts: number;
  /** The last failed request that carried it. */
  lastFailure?: FailedRequest;
}

/** One failed request. */
interface FailedRequest {
  readonly batchSize: number;
  readonly status: number | null;
  readonly error: string;
  /** Which failed attempt of the head of the queue it was, from 1. */
  readonly attempt: number;
  readonly at: Date;
}

/**
 * A payload listed under Recent failures: one that is waiting, with the failure that keeps it
 * waiting.
 */
export interface EmulatorFailure extends FailedRequest {
  readonly id: string;
  readonly event: string;
  readonly queuedAt: Date;
  /**
   * Failed requests that carried this payload. 0: it was never sent, and waits behind the
   * failing head of the queue, whose last failure the other fields describe.
   */
  readonly failedAttempts: number;
}

/**
 * Passfort's webhook status page for this endpoint.
 *
 * @example
 * const { queue, recentFailures, nextRetryAt } = passfort.status();
 * if (queue === 'stalled') console.log(`retry at ${nextRetryAt?.toISOString()}: ${recentFailures[0]?.error}`);
 */
export interface EmulatorStatus {
  /**
   * Queue: `empty`; waiting to send N payloads; or `stalled` (payloads not being sent) while
   * the head of the queue has failed and waits for its retry.
   */
  readonly queue: 'empty' | { readonly waiting: number } | 'stalled';
  /** Last processed: when a payload was last delivered (acknowledged with a 200). */
  readonly lastProcessedAt: Date | null;
  /**
   * Recent failures: while payloads wait after a failed request, the 10 most recently queued
   * payloads that are waiting, newest first. Empty once the queue drains or a request
   * succeeds, and cleared by {@link Emulator.refresh} until the next failure.
   */
  readonly recentFailures: readonly EmulatorFailure[];
  /**
   * Retry, **from the later help page**: when the next attempt is due, or null when no
   * backoff is being waited out. In real time: a scaled backoff ends at its scaled time.
   */
  readonly nextRetryAt: Date | null;
  /** Stalled, **from the later help page**: ms since the head of the queue first failed, or null. */
  readonly stalledForMs: number | null;
  /** Failed attempts, **from the later help page**: of the head of the queue (0 when it has not failed). */
  readonly failedAttempts: number;
}

/** How many payloads Recent failures lists. */
const RECENT = 10;

/** The state behind {@link EmulatorStatus}, updated by the sending loop. */
export class StatusPage {
  lastProcessedAt: Date | null = null;
  nextRetryAt: Date | null = null;
  headFailures = 0;
  #stalledSince: Date | null = null;
  /** The latest failed request, until a success or a Refresh. */
  #lastFailure: FailedRequest | undefined;

  failed(batch: readonly QueuedWebhook[], status: number | null, error: string): void {
    this.headFailures++;
    this.#stalledSince ??= new Date();
    const failure = {
      batchSize: batch.length,
      status,
      error,
      attempt: this.headFailures,
      at: new Date(),
    };
    this.#lastFailure = failure;
    for (const webhook of batch) {
      webhook.failedAttempts++;
      webhook.lastFailure = failure;
    }
  }

  acked(): void {
    this.lastProcessedAt = new Date();
    this.headFailures = 0;
    this.#stalledSince = null;
    this.#lastFailure = undefined;
  }

  /** The portal's Refresh, as the seed page documents it: Recent failures is cleared. */
  refresh(): void {
    this.#lastFailure = undefined;
  }

  snapshot(queue: readonly QueuedWebhook[]): EmulatorStatus {
    const blocking = this.#lastFailure;
    return {
      queue:
        queue.length === 0
          ? 'empty'
          : this.headFailures > 0
            ? 'stalled'
            : { waiting: queue.length },
      lastProcessedAt: this.lastProcessedAt,
      recentFailures:
        blocking === undefined
          ? []
          : queue
              .slice(-RECENT)
              .reverse()
              .map((webhook) => ({
                ...(webhook.lastFailure ?? blocking),
                id: String(webhook.envelope['id'] ?? ''),
                event: String(webhook.envelope['event'] ?? ''),
                queuedAt: webhook.queuedAt,
                failedAttempts: webhook.failedAttempts,
              })),
      nextRetryAt: this.nextRetryAt,
      stalledForMs: this.#stalledSince === null ? null : Date.now() - this.#stalledSince.getTime(),
      failedAttempts: this.headFailures,
    };
  }
}
