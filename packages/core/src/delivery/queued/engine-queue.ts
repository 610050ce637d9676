import { inProcessQueue } from '../../queues/in-process-queue.js';
import type { WebhookQueue } from '../../queues/webhook-queue.js';

/** The queue of a `delivery: 'queue'` set-up, and whether the engine created it. */
export interface EngineQueue {
  readonly queue: WebhookQueue;
  readonly owned: boolean;
  /** False when this process only enqueues (`consume: false`): its handlers run on the workers. */
  readonly consumed?: boolean;
}

/** The queue a `delivery: 'queue'` set-up uses: the one given, or an in-process one. */
export function resolveQueue(queue: WebhookQueue | undefined): EngineQueue {
  return { queue: queue ?? inProcessQueue(), owned: queue === undefined };
}
