import { type ConnectionOptions, Queue, Worker } from 'bullmq';
import { ConfigurationError } from '../errors/configuration-error.js';
import { type KnownOptions, refuseUnknownOptions } from '../options/refuse-unknown-options.js';
import type { QueueConsumer, QueuedWebhook, WebhookQueue } from '../queues/webhook-queue.js';
import { laneOf } from '../queues/webhook-queue.js';
import { laneOrder } from './lane-order.js';

/** The options it accepts: an unknown one is refused (see `refuseUnknownOptions`). */
const BULLMQ_QUEUE_OPTIONS = {
  connection: true,
  name: true,
  prefix: true,
  lanes: true,
  keepCompletedMs: true,
  retryDelayMs: true,
  lockDurationMs: true,
  stalledIntervalMs: true,
} as const satisfies KnownOptions<BullmqQueueOptions>;

/** Options of {@link bullmqQueue}. */
export interface BullmqQueueOptions {
  /** How BullMQ reaches Redis, e.g. `{ host: '127.0.0.1', port: 6379 }` or an ioredis URL's parts. */
  connection: ConnectionOptions;
  /** Base name of the BullMQ queues (one per lane). @default 'passfort-webhooks' */
  name?: string;
  /** BullMQ key prefix. @default 'bull' */
  prefix?: string;
  /**
   * Parallel lanes; webhooks of one profile always share a lane, keeping their order.
   * @default 1 (one ordered lane)
   */
  lanes?: number;
  /**
   * How long a finished job is kept, which also makes a re-enqueue of the same webhook id a
   * no-op for that long (the dedupe store covers the rest).
   * @default 86_400_000 (a day)
   */
  keepCompletedMs?: number;
  /** Wait before retrying a webhook whose processing could not reach the store. @default 1000 */
  retryDelayMs?: number;
  /**
   * How long a worker's lock on a job lasts without renewal; a crashed worker's job goes back
   * to the queue after it.
   * @default 30_000
   */
  lockDurationMs?: number;
  /** How often workers look for jobs whose worker died. @default 30_000 */
  stalledIntervalMs?: number;
}

// BullMQ reserves ':' in custom job ids.
function jobIdOf(webhookId: string): string {
  return `webhook-${webhookId.replaceAll('%', '%25').replaceAll(':', '%3A')}`;
}

/**
 * A durable {@link WebhookQueue} on Redis through BullMQ, for receivers and workers on
 * several machines. `enqueue` resolves once Redis has the jobs, so the receiver acks
 * Passfort only for stored webhooks. Each lane is run by one worker at a time, in any number
 * of worker processes, oldest webhook first: only that worker attempts the lane's head, with
 * the engine's backoff between attempts, and nothing behind the head runs before it is
 * handled or dead-lettered. A worker that dies mid-job loses its hold on the lane after
 * `lockDurationMs` and another takes over, where the dedupe store keeps effects exactly-once.
 *
 * Durability is Redis's: configure AOF persistence (`appendonly yes`) so that a Redis
 * restart does not lose acknowledged webhooks.
 *
 * @example
 * const queue = bullmqQueue({ connection: { host: '127.0.0.1', port: 6379 } });
 * const webhooks = createPassfortWebhooks({ secret, store, delivery: 'queue', queue, consume: false });
 * // elsewhere: const worker = createWorker({ queue, store }); worker.on(...); await worker.start();
 */
export function bullmqQueue(options: BullmqQueueOptions): WebhookQueue {
  refuseUnknownOptions('bullmqQueue', options, BULLMQ_QUEUE_OPTIONS);
  if (options?.connection === undefined) {
    throw new ConfigurationError(
      'bullmqQueue needs a Redis connection: bullmqQueue({ connection })',
    );
  }
  const laneCount = options.lanes ?? 1;
  if (!Number.isInteger(laneCount) || laneCount < 1) {
    throw new ConfigurationError('bullmqQueue lanes must be a positive integer');
  }
  const name = options.name ?? 'passfort-webhooks';
  const keepCompletedMs = options.keepCompletedMs ?? 86_400_000;
  const retryDelayMs = options.retryDelayMs ?? 1000;
  const base = {
    connection: options.connection,
    ...(options.prefix === undefined ? {} : { prefix: options.prefix }),
  };
  const laneName = (lane: number) => (laneCount === 1 ? name : `${name}-lane-${lane}`);
  const queues = Array.from(
    { length: laneCount },
    (_, lane) => new Queue<QueuedWebhook>(laneName(lane), base),
  );
  for (const queue of queues) queue.on('error', () => {}); // enqueue() rejects; the receiver answers 503
  const workers: Worker<QueuedWebhook>[] = [];
  const lockDurationMs = options.lockDurationMs ?? 30_000;
  // The lanes' order of their webhooks, kept beside BullMQ (see lane-order.ts).
  const order = laneOrder({
    connection: options.connection,
    keyPrefix: `${options.prefix ?? 'bull'}:${name}:passfort-order`,
    lockDurationMs,
    retryDelayMs,
  });

  let closed: Promise<void> | undefined;

  return {
    async enqueue(items) {
      const byLane = new Map<number, QueuedWebhook[]>();
      for (const item of items) {
        const lane = laneOf(item.webhook, laneCount);
        byLane.set(lane, [...(byLane.get(lane) ?? []), item]);
      }
      await Promise.all(
        [...byLane].map(async ([lane, laneItems]) => {
          await order.record(lane, laneItems);
          await queues[lane]!.addBulk(
            laneItems.map((item) => ({
              name: item.webhook.event,
              data: item,
              opts: {
                // A replay is a job of its own: the delivery's job id may still be kept (and
                // BullMQ drops a job whose id exists); replays exclude each other by their claim.
                jobId: jobIdOf(
                  item.replay === undefined
                    ? item.webhook.id
                    : `replay:${item.webhook.id}:${globalThis.crypto.randomUUID()}`,
                ),
                removeOnComplete: { age: Math.ceil(keepCompletedMs / 1000) },
                removeOnFail: false,
              },
            })),
          );
        }),
      );
    },
    consume(consumer: QueueConsumer) {
      if (workers.length > 0) throw new ConfigurationError('The queue already has a consumer');
      if (closed !== undefined) throw new ConfigurationError('The queue is closed');
      for (let lane = 0; lane < laneCount; lane++) {
        const worker = new Worker<QueuedWebhook>(
          laneName(lane),
          // Never fails a job: a failed job would let later ones overtake it. Failures are
          // retried in place by the consumer, on the lane's one runner.
          (job, token) => order.processJob(lane, job, token, consumer),
          {
            ...base,
            concurrency: 1,
            lockDuration: lockDurationMs,
            stalledInterval: options.stalledIntervalMs ?? 30_000,
          },
        );
        worker.on('error', () => {}); // connection errors are retried by BullMQ itself
        workers.push(worker);
      }
    },
    async waiting() {
      const counts = await Promise.all(
        queues.map((queue) => queue.getJobCounts('wait', 'active', 'delayed', 'prioritized')),
      );
      return counts.reduce((sum, c) => sum + Object.values(c).reduce((a, b) => a + b, 0), 0);
    },
    progress: () => order.progress(laneCount),
    close() {
      closed ??= (async () => {
        order.stop(new Error('The queue closed'));
        await Promise.all(workers.map((worker) => worker.close()));
        await Promise.all(queues.map((queue) => queue.close()));
        order.disconnect();
      })();
      return closed;
    },
  };
}
