import type { AnyPassfortEvent } from '../events/passfort-event.js';
import type { Logger } from '../observability/logger.js';
import type { Awaitable } from '../stores/dedupe-store.js';

/** A webhook handed to a queue: the event without its secret, and where it came from. */
export interface QueuedWebhook {
  readonly webhook: AnyPassfortEvent;
  /** Position in the delivered batch, and the batch's size. */
  readonly index: number;
  readonly batchSize: number;
  /** When the request carrying it arrived, in epoch milliseconds. */
  readonly receivedAt: number;
  /**
   * Set when an operator replays a dead letter from a receiver whose handlers run on the
   * workers (`consume: false`): the worker runs it as `deadLetters.replay` would, and removes the
   * letter once its handlers succeeded.
   */
  readonly replay?: QueuedReplay;
  /**
   * The enqueuing request's trace context (W3C `traceparent`), when instrumentation traced it:
   * the worker's span links to it. A queue stores it as it stores the rest of the item.
   */
  readonly traceparent?: string;
}

/** How a replayed dead letter handed to the workers is to be run. */
export interface QueuedReplay {
  readonly ifSuperseded: 'skip' | 'run';
  readonly ignoreSchemaMismatch: boolean;
}

/**
 * Consumes queued webhooks one at a time per lane; must not reject for a handled failure.
 * `signal`, when the queue passes one, aborts the consumer's waits between attempts (never a
 * running handler) when the queue closes: it then rejects and the item stays queued.
 */
export type QueueConsumer = (item: QueuedWebhook, signal?: AbortSignal) => Promise<void>;

/** What {@link WebhookQueue.progress} reports, in epoch milliseconds. */
export interface QueueProgress {
  /** When a consumer last finished an item (handled, skipped as done, or dead-lettered); null before the first. */
  readonly lastCompletedAt: number | null;
  /** When the oldest item not yet finished was received (its `receivedAt`); null when none is queued. */
  readonly oldestWaitingSince: number | null;
}

/** Options the engine passes to {@link WebhookQueue.close}. */
export interface QueueCloseOptions {
  /** Where a queue that has to give up on items reports each of them, by id. */
  readonly logger?: Logger;
}

/**
 * Where `delivery: 'queue'` hands webhooks over. `enqueue` resolves only once the items are
 * stored as durably as the queue can (the receiver acks Passfort after that); items come
 * out in enqueue order per lane.
 */
export interface WebhookQueue {
  enqueue(items: readonly QueuedWebhook[]): Promise<void>;
  /** Starts consuming in this process. Called once, by a receiver or a worker. */
  consume(consumer: QueueConsumer): Awaitable<void>;
  /** Items enqueued and not yet consumed. */
  waiting(): Awaitable<number>;
  /**
   * How far the consumers got, in every process consuming this queue: lets a receiver that
   * does not consume (`consume: false`) report its workers' progress in `status()`. Optional:
   * without it, `status()` knows only this process's own progress.
   */
  progress?(): Awaitable<QueueProgress>;
  /**
   * Stops consuming, waits for the items in progress, frees resources. A queue that cannot
   * keep what is still queued past close (in memory) tries to drain it first and reports each
   * item it gives up on to `options.logger`. Calling it again is harmless.
   */
  close(options?: QueueCloseOptions): Promise<void>;
}

/**
 * The lane of a webhook when a queue runs several in parallel: webhooks of one profile
 * always share a lane, so each profile's order is kept; the rest go to lane 0.
 */
export function laneOf(webhook: AnyPassfortEvent, lanes: number): number {
  if (lanes <= 1) return 0;
  const profileId = (webhook.data as { profile_id?: unknown }).profile_id;
  if (typeof profileId !== 'string') return 0;
  let hash = 2166136261;
  for (let i = 0; i < profileId.length; i++) {
    hash ^= profileId.charCodeAt(i);
    hash = Math.imul(hash, 16777619);
  }
  return (hash >>> 0) % lanes;
}
