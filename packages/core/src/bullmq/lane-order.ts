import { type ConnectionOptions, DelayedError, type Job } from 'bullmq';
import { Redis, type RedisOptions } from 'ioredis';
import type { QueueConsumer, QueuedWebhook, QueueProgress } from '../queues/webhook-queue.js';
import { holdLane, type LaneHold } from './lane-hold.js';

// BullMQ puts a job whose worker died back at the end of its queue. The order of a lane is
// therefore kept here, beside BullMQ: a sorted set of the lane's unfinished webhooks by enqueue
// sequence, and the webhooks themselves. A worker always runs the oldest unfinished one first.
// Apart from the queue's BullMQ wiring because this, not the jobs, is what decides what runs.

/** Options of {@link laneOrder}, resolved by `bullmqQueue`. */
export interface LaneOrderOptions {
  /** The queue's Redis connection; the order gets a client of its own. */
  connection: ConnectionOptions;
  /** Prefix of the order's keys: `<BullMQ prefix>:<queue name>:passfort-order`. */
  keyPrefix: string;
  lockDurationMs: number;
  retryDelayMs: number;
}

/** The lanes' own order of their unfinished webhooks, and the one runner per lane. */
export interface LaneOrder {
  /** Files `items` at the end of `lane`'s order, before their jobs are added. */
  record(lane: number, items: readonly QueuedWebhook[]): Promise<void>;
  /** Runs one BullMQ job: it is done once the lane's runner (this worker or another) ran it. */
  processJob(
    lane: number,
    job: Job<QueuedWebhook>,
    token: string | undefined,
    consumer: QueueConsumer,
  ): Promise<void>;
  /** The newest completion and the oldest waiting webhook, over `laneCount` lanes. */
  progress(laneCount: number): Promise<QueueProgress>;
  /** Aborts every wait (between attempts, behind the runner): the queue is closing. */
  stop(reason: Error): void;
  disconnect(): void;
}

export function laneOrder(options: LaneOrderOptions): LaneOrder {
  const { keyPrefix, lockDurationMs, retryDelayMs } = options;
  const orderClient =
    options.connection instanceof Redis
      ? options.connection.duplicate()
      : new Redis({ ...(options.connection as RedisOptions), maxRetriesPerRequest: null });
  orderClient.on('error', () => {}); // surfaced by the commands that fail
  const orderKey = (lane: number) => `${keyPrefix}:${lane}:order`;
  const itemsKey = (lane: number) => `${keyPrefix}:${lane}:items`;
  const sinceKey = (lane: number) => `${keyPrefix}:${lane}:since`;
  const seqKey = (lane: number) => `${keyPrefix}:${lane}:seq`;
  const runnerKey = (lane: number) => `${keyPrefix}:${lane}:runner`;
  const lastCompletedKey = `${keyPrefix}:last-completed`;
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
      const hold = await holdLane(orderClient, runnerKey(lane), lockDurationMs).catch(
        () => undefined,
      );
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

  return {
    record,
    processJob,
    async progress(laneCount) {
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
    stop: (reason) => stop.abort(reason),
    disconnect: () => orderClient.disconnect(),
  };
}

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
