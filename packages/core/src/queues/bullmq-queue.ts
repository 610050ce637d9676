import { type ConnectionOptions, DelayedError, type Job, Queue, Worker } from 'bullmq';
import { Redis, type RedisOptions } from 'ioredis';
import { ConfigurationError } from '../errors/configuration-error.js';
import { type KnownOptions, refuseUnknownOptions } from '../options/refuse-unknown-options.js';
import type { QueueConsumer, QueuedWebhook, WebhookQueue } from './webhook-queue.js';
import { laneOf } from './webhook-queue.js';

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
  const sinceKey = (lane: number) => `${keyPrefix}:${lane}:since`;
  const seqKey = (lane: number) => `${keyPrefix}:${lane}:seq`;
  const runnerKey = (lane: number) => `${keyPrefix}:${lane}:runner`;
  const lastCompletedKey = `${keyPrefix}:last-completed`;
  const lockDurationMs = options.lockDurationMs ?? 30_000;
  // How often a worker whose job waits behind the lane's runner looks whether its webhook ran,
  // or whether the runner is gone (its hold expires after lockDurationMs).
  const pollMs = Math.min(retryDelayMs, 250);
  // Aborts every wait (between attempts, behind the runner) when the queue closes.
  const stop = new AbortController();

  async function record(lane: number, items: readonly QueuedWebhook[]): Promise<void> {
    const client = orderClient;
    const last = await client.incrby(seqKey(lane), items.length);
    const multi = client.multi();
    items.forEach((item, i) => {
      multi.zadd(orderKey(lane), 'NX', last - items.length + i + 1, item.webhook.id);
      multi.hset(itemsKey(lane), item.webhook.id, JSON.stringify(item));
      multi.hset(sinceKey(lane), item.webhook.id, item.receivedAt);
    });
    await multi.exec();
  }

  /**
   * Takes the lane: one worker at a time, in any process, runs a lane's webhooks. Without it
   * every worker holding a later job of the lane ran the head too, so the head's attempts came
   * milliseconds apart (dead-lettered early, with the webhooks behind it then running).
   */
  async function holdLane(lane: number): Promise<LaneHold | undefined> {
    const token = globalThis.crypto.randomUUID();
    const taken = await orderClient.set(runnerKey(lane), token, 'PX', lockDurationMs, 'NX');
    if (taken === null) return undefined;
    const hold = { lost: false, release: async () => {} };
    const renewal = setInterval(() => {
      orderClient
        .eval(RENEW, 1, runnerKey(lane), token, lockDurationMs)
        .then((renewed) => {
          if (renewed === 0) hold.lost = true;
        })
        .catch(() => {}); // Redis unreachable: the hold lapses unless a later renewal lands
    }, lockDurationMs / 3);
    hold.release = async () => {
      clearInterval(renewal);
      await orderClient.eval(RELEASE, 1, runnerKey(lane), token).catch(() => {});
    };
    return hold;
  }

  /**
   * The lane's runner: runs the lane's unfinished webhooks oldest first until none is left.
   * BullMQ puts a job whose worker died back at the end of its queue, so the order comes from
   * the lane's own sorted set, never from the job being processed. A failing head is retried
   * in place by the consumer, with its backoff, while everything behind it waits.
   */
  async function runLane(lane: number, consumer: QueueConsumer, hold: LaneHold): Promise<void> {
    const client = orderClient;
    while (!stop.signal.aborted && !hold.lost) {
      try {
        const [head] = await client.zrange(orderKey(lane), 0, 0);
        if (head === undefined) return;
        const raw = await client.hget(itemsKey(lane), head);
        if (raw === null) {
          // An entry left without its item cannot be run, so it goes.
          await client.multi().zrem(orderKey(lane), head).hdel(sinceKey(lane), head).exec();
          continue;
        }
        await consumer(JSON.parse(raw) as QueuedWebhook, stop.signal);
        await client
          .multi()
          .zrem(orderKey(lane), head)
          .hdel(itemsKey(lane), head)
          .hdel(sinceKey(lane), head)
          .set(lastCompletedKey, Date.now())
          .exec();
      } catch {
        if (stop.signal.aborted) return;
        // The store or Redis is unreachable: keep the lane, and its head, until they answer.
        await pause(retryDelayMs, stop.signal);
      }
    }
  }

  /**
   * One BullMQ job: its webhook is done once the lane's runner (this worker or another) ran
   * it. A worker whose job waits holds no claim and runs nothing, so no attempt is counted
   * for a webhook that has not started.
   */
  async function processJob(
    lane: number,
    job: Job<QueuedWebhook>,
    token: string | undefined,
    consumer: QueueConsumer,
  ): Promise<void> {
    const id = job.data.webhook.id;
    for (;;) {
      let pending: boolean;
      try {
        pending = (await orderClient.zscore(orderKey(lane), id)) !== null;
      } catch {
        pending = true;
      }
      if (!pending) return;
      if (stop.signal.aborted) {
        // Closing before its webhook ran: the job goes back to the queue for another worker
        // (or this one after a restart), instead of failing, which would strand it.
        await job.moveToDelayed(Date.now(), token);
        throw new DelayedError();
      }
      const hold = await holdLane(lane).catch(() => undefined);
      if (hold === undefined) {
        await pause(pollMs, stop.signal);
        continue;
      }
      try {
        await runLane(lane, consumer, hold);
      } finally {
        await hold.release();
      }
    }
  }

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
      if (closed !== undefined) throw new ConfigurationError('The queue is closed');
      for (let lane = 0; lane < laneCount; lane++) {
        const worker = new Worker<QueuedWebhook>(
          laneName(lane),
          // Never fails a job: a failed job would let later ones overtake it. Failures are
          // retried in place by the consumer, on the lane's one runner.
          (job, token) => processJob(lane, job, token, consumer),
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
    async progress() {
      // Two round trips: the newest completion and each lane's head, then the heads' arrival.
      const first = orderClient.pipeline().get(lastCompletedKey);
      for (let lane = 0; lane < laneCount; lane++) first.zrange(orderKey(lane), 0, 0);
      const [last, ...heads] = (await first.exec()) ?? [];
      const second = orderClient.pipeline();
      heads.forEach(([, head], lane) => {
        const id = (head as string[] | null)?.[0];
        if (id !== undefined) second.hget(sinceKey(lane), id);
      });
      const since = ((await second.exec()) ?? [])
        .map(([, at]) => Number(at))
        .filter((at) => at > 0);
      return {
        lastCompletedAt: typeof last?.[1] === 'string' ? Number(last[1]) : null,
        oldestWaitingSince: since.length === 0 ? null : Math.min(...since),
      };
    },
    close() {
      closed ??= (async () => {
        stop.abort(new Error('The queue closed'));
        await Promise.all(workers.map((worker) => worker.close()));
        await Promise.all(queues.map((queue) => queue.close()));
        orderClient.disconnect();
      })();
      return closed;
    },
  };
}

interface LaneHold {
  /** Set when a renewal found the lane taken over (this worker was paused past the hold). */
  lost: boolean;
  release(): Promise<void>;
}

// Compare-and-renew and compare-and-delete of the lane's runner hold: only its holder may.
const RENEW = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return 0`;
const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;

/** Waits `ms`, or less when `signal` aborts (then resolves: the caller looks at the signal). */
function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) {
      resolve();
      return;
    }
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
