import type { AnyPassfortEvent } from '../events/passfort-event.js';
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
}

/** How a replayed dead letter handed to the workers is to be run. */
export interface QueuedReplay {
  readonly ifSuperseded: 'skip' | 'run';
  readonly ignoreSchemaMismatch: boolean;
}

/** Consumes queued webhooks one at a time per lane; must not reject for a handled failure. */
export type QueueConsumer = (item: QueuedWebhook) => Promise<void>;

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
  /** Stops consuming, waits for the items in progress, frees resources. */
  close(): Promise<void>;
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
