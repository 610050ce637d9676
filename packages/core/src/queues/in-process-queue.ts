import { ConfigurationError } from '../errors/configuration-error.js';
import type { QueueConsumer, QueuedWebhook, WebhookQueue } from './webhook-queue.js';
import { laneOf } from './webhook-queue.js';

/** Options of {@link inProcessQueue}. */
export interface InProcessQueueOptions {
  /**
   * Parallel lanes; webhooks of one profile always share a lane, keeping their order.
   * @default 1 (one ordered lane)
   */
  lanes?: number;
  /** Wait before retrying an item whose consumer threw (e.g. the store was down). @default 1000 */
  retryDelayMs?: number;
  /**
   * How long `close()` keeps consuming what is already queued before it gives up on it.
   * @default 10_000
   */
  drainTimeoutMs?: number;
}

/**
 * The default {@link WebhookQueue}: an in-memory FIFO consumed in this process. It is for
 * one machine and **does not survive a crash or restart**: webhooks acked to Passfort but
 * not yet handled are lost with the process. Use `bullmqQueue` when that matters.
 */
export function inProcessQueue(options: InProcessQueueOptions = {}): WebhookQueue {
  const laneCount = options.lanes ?? 1;
  const retryDelayMs = options.retryDelayMs ?? 1000;
  const drainTimeoutMs = options.drainTimeoutMs ?? 10_000;
  if (!Number.isInteger(laneCount) || laneCount < 1) {
    throw new ConfigurationError('inProcessQueue lanes must be a positive integer');
  }
  const lanes: QueuedWebhook[][] = Array.from({ length: laneCount }, () => []);
  const wakers: ((() => void) | undefined)[] = [];
  const loops: Promise<void>[] = [];
  let consumer: QueueConsumer | undefined;
  let closing = false;
  let closed = false;

  async function runLane(lane: number): Promise<void> {
    const items = lanes[lane]!;
    while (!closed) {
      const item = items[0];
      if (item === undefined) {
        if (closing) return;
        await new Promise<void>((resolve) => (wakers[lane] = resolve));
        continue;
      }
      try {
        await consumer!(item);
        items.shift();
      } catch {
        // Keep the item at the head so order holds; try again shortly.
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, retryDelayMs);
          wakers[lane] = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      }
    }
  }

  return {
    async enqueue(items) {
      if (closing) throw new Error('The queue is closed');
      for (const item of items) {
        const lane = laneOf(item.webhook, laneCount);
        lanes[lane]!.push(item);
        wakers[lane]?.();
        wakers[lane] = undefined;
      }
    },
    consume(next) {
      if (consumer !== undefined) throw new ConfigurationError('The queue already has a consumer');
      consumer = next;
      for (let lane = 0; lane < laneCount; lane++) loops.push(runLane(lane));
    },
    waiting: () => lanes.reduce((sum, items) => sum + items.length, 0),
    async close() {
      // Drain what was already acked to Passfort, within a bound, then stop.
      closing = true;
      for (const wake of wakers) wake?.();
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timeout = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, drainTimeoutMs);
      });
      await Promise.race([Promise.all(loops), timeout]);
      clearTimeout(timer);
      closed = true;
      for (const wake of wakers) wake?.();
      await Promise.all(loops);
    },
  };
}
