import { type ConnectionOptions, Queue, Worker } from 'bullmq';
import { Redis, type RedisOptions } from 'ioredis';
import { ConfigurationError } from '../errors/configuration-error.js';
import type { QueueConsumer, QueuedWebhook, WebhookQueue } from './webhook-queue.js';
import { laneOf } from './webhook-queue.js';

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
 * Passfort only for stored webhooks. Each lane is consumed by one job at a time, in order;
 * a worker that dies mid-job loses its lock and the job runs again elsewhere, where the
 * dedupe store keeps its effects exactly-once.
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
  // BullMQ puts a job whose worker died back at the end of its queue. The order of a lane is
  // therefore kept here: a sorted set of the lane's unfinished webhooks by enqueue sequence,
  // and the webhooks themselves. A worker always runs the oldest unfinished one first.
  const orderClient =
    options.connection instanceof Redis
      ? options.connection.duplicate()
      : new Redis({ ...(options.connection as RedisOptions), maxRetriesPerRequest: null });
  orderClient.on('error', () => {}); // surfaced by the commands that fail
  const keyPrefix = `${options.prefix ?? 'bull'}:${name}:passfort-order`;
  const orderKey = (lane: number) => `${keyPrefix}:${lane}:order`;
  const itemsKey = (lane: number) => `${keyPrefix}:${lane}:items`;
  const seqKey = (lane: number) => `${keyPrefix}:${lane}:seq`;

  async function record(lane: number, items: readonly QueuedWebhook[]): Promise<void> {
    const client = orderClient;
    const last = await client.incrby(seqKey(lane), items.length);
    const multi = client.multi();
    items.forEach((item, i) => {
      multi.zadd(orderKey(lane), 'NX', last - items.length + i + 1, item.webhook.id);
      multi.hset(itemsKey(lane), item.webhook.id, JSON.stringify(item));
    });
    await multi.exec();
  }

  async function runInOrder(
    lane: number,
    job: QueuedWebhook,
    consumer: QueueConsumer,
  ): Promise<void> {
    const client = orderClient;
    for (;;) {
      const [head] = await client.zrange(orderKey(lane), 0, 0);
      let item = job;
      if (head !== undefined && head !== job.webhook.id) {
        const raw = await client.hget(itemsKey(lane), head);
        if (raw === null) {
          // Another worker finished the head between the two reads: look again. Running our
          // own job here would let it overtake the webhooks still ahead of it. (An entry left
          // without its item cannot be run, so it goes.)
          await client.zrem(orderKey(lane), head);
          continue;
        }
        item = JSON.parse(raw) as QueuedWebhook;
      }
      await consumer(item);
      await client
        .multi()
        .zrem(orderKey(lane), item.webhook.id)
        .hdel(itemsKey(lane), item.webhook.id)
        .exec();
      if (item === job) return;
    }
  }

  let closing = false;

  return {
    async enqueue(items) {
      const byLane = new Map<number, QueuedWebhook[]>();
      for (const item of items) {
        const lane = laneOf(item.webhook, laneCount);
        byLane.set(lane, [...(byLane.get(lane) ?? []), item]);
      }
      await Promise.all(
        [...byLane].map(async ([lane, laneItems]) => {
          await record(lane, laneItems);
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
      for (let lane = 0; lane < laneCount; lane++) {
        const worker = new Worker<QueuedWebhook>(
          laneName(lane),
          async (job) => {
            // Retried here, not by BullMQ: a failed job would let later ones overtake it.
            for (;;) {
              try {
                return await runInOrder(lane, job.data, consumer);
              } catch (error) {
                if (closing) throw error;
                await new Promise((resolve) => setTimeout(resolve, retryDelayMs));
              }
            }
          },
          {
            ...base,
            concurrency: 1,
            lockDuration: options.lockDurationMs ?? 30_000,
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
    async close() {
      closing = true;
      await Promise.all(workers.map((worker) => worker.close()));
      await Promise.all(queues.map((queue) => queue.close()));
      orderClient.disconnect();
    },
  };
}
