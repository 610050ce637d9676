import { ConfigurationError } from '../errors/configuration-error.js';
import { resolveLogger } from '../observability/console-logger.js';
import type { Logger } from '../observability/logger.js';
import { type KnownOptions, refuseUnknownOptions } from '../options/refuse-unknown-options.js';
import type {
  QueueCloseOptions,
  QueueConsumer,
  QueuedWebhook,
  WebhookQueue,
} from './webhook-queue.js';
import { laneOf } from './webhook-queue.js';

/** The options it accepts: an unknown one is refused (see `refuseUnknownOptions`). */
const IN_PROCESS_QUEUE_OPTIONS = {
  lanes: true,
  retryDelayMs: true,
  drainTimeoutMs: true,
  logger: true,
} as const satisfies KnownOptions<InProcessQueueOptions>;

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
   * How long `close()` keeps consuming what is already queued before it gives up on it. Each
   * webhook given up on is logged (error level) by id: it was acked to Passfort and is lost.
   * @default 10_000
   */
  drainTimeoutMs?: number;
  /**
   * Where `close()` reports the webhooks it gives up on. A receiver or worker closing the
   * queue passes its own logger when this is unset.
   * @default the closing receiver's logger, else warnings and errors to the console
   */
  logger?: Logger | false;
}

/**
 * The default {@link WebhookQueue}: an in-memory FIFO consumed in this process. It is for
 * one machine and **does not survive a crash or restart**: webhooks acked to Passfort but
 * not yet handled are lost with the process. `close()` (the receiver's or worker's) drains it
 * for up to `drainTimeoutMs` and logs each webhook it then drops. When that matters, use
 * `bullmqQueue`, or inline delivery with a SQL or Redis store (nothing is acked before its
 * handlers ran).
 */
export function inProcessQueue(options: InProcessQueueOptions = {}): WebhookQueue {
  refuseUnknownOptions('inProcessQueue', options, IN_PROCESS_QUEUE_OPTIONS);
  const laneCount = options.lanes ?? 1;
  const retryDelayMs = options.retryDelayMs ?? 1000;
  const drainTimeoutMs = options.drainTimeoutMs ?? 10_000;
  if (!Number.isInteger(laneCount) || laneCount < 1) {
    throw new ConfigurationError('inProcessQueue lanes must be a positive integer');
  }
  const lanes: QueuedWebhook[][] = Array.from({ length: laneCount }, () => []);
  const wakers: ((() => void) | undefined)[] = [];
  const loops: Promise<void>[] = [];
  // Aborts the consumers' waits between attempts once the drain gave up.
  const stop = new AbortController();
  let consumer: QueueConsumer | undefined;
  let closing = false;
  let closed: Promise<void> | undefined;
  let lastCompletedAt: number | null = null;

  async function runLane(lane: number): Promise<void> {
    const items = lanes[lane]!;
    while (!stop.signal.aborted) {
      const item = items[0];
      if (item === undefined) {
        if (closing) return;
        await new Promise<void>((resolve) => (wakers[lane] = resolve));
        continue;
      }
      try {
        await consumer!(item, stop.signal);
        items.shift();
        lastCompletedAt = Date.now();
      } catch {
        if (stop.signal.aborted) return;
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

  async function close(closeOptions: QueueCloseOptions): Promise<void> {
    // Drain what was already acked to Passfort, within a bound, then stop.
    closing = true;
    for (const wake of wakers) wake?.();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, drainTimeoutMs);
    });
    await Promise.race([Promise.all(loops), timeout]);
    clearTimeout(timer);
    stop.abort(new Error('The in-process queue closed'));
    for (const wake of wakers) wake?.();
    // A handler already running is waited for (it is never interrupted).
    await Promise.all(loops);
    const dropped = lanes.flatMap((items, lane) => items.splice(0).map((item) => ({ item, lane })));
    if (dropped.length === 0) return;
    const logger =
      options.logger === undefined
        ? (closeOptions.logger ?? resolveLogger(undefined))
        : resolveLogger(options.logger);
    for (const { item, lane } of dropped) {
      logger.error?.(
        { id: item.webhook.id, event: item.webhook.event, lane, drainTimeoutMs },
        'in-process queue closed before this acked webhook ran: it is lost (Passfort will not send it again)',
      );
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
    progress() {
      let oldestWaitingSince: number | null = null;
      for (const items of lanes) {
        const head = items[0]?.receivedAt;
        if (head !== undefined && (oldestWaitingSince === null || head < oldestWaitingSince)) {
          oldestWaitingSince = head;
        }
      }
      return { lastCompletedAt, oldestWaitingSince };
    },
    close(closeOptions = {}) {
      closed ??= close(closeOptions);
      return closed;
    },
  };
}
