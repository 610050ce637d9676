import { describe, expect, it } from 'vitest';
import { batch, bearer, SECRET } from '../../test/webhook-fixtures.js';
import { createPassfortWebhooks } from '../create-passfort-webhooks.js';
import type { PassfortWebhooksOptions } from '../passfort-webhooks-options.js';
import { inProcessQueue } from '../queues/in-process-queue.js';
import type { DedupeStore } from '../stores/dedupe-store.js';
import { memoryStore } from '../stores/memory/memory-store.js';

const later = () => new Promise((resolve) => setTimeout(resolve, 20));

/** A receiver whose onError listener records what it heard. */
async function deliverWith(options: Partial<PassfortWebhooksOptions>) {
  const heard: { code: string; event: unknown; deadLettered: boolean }[] = [];
  const webhooks = createPassfortWebhooks({ secret: SECRET, logger: false, ...options });
  webhooks.onAny(async () => {});
  webhooks.onError(({ error, event, deadLettered }) => {
    heard.push({ code: error.code, event, deadLettered });
  });
  const response = await webhooks.handle({
    method: 'POST',
    headers: bearer(),
    body: JSON.stringify(batch(3)),
  });
  await later(); // listeners run after the answer
  await webhooks.close().catch(() => {});
  return { response, heard };
}

describe('onError hears a delivery the store or the queue failed', () => {
  it('a store that refuses the claim: 503, and onError hears STORE_UNAVAILABLE', async () => {
    const store: DedupeStore = {
      ...memoryStore(),
      claim: () => Promise.reject(new Error('ECONNREFUSED 127.0.0.1:6379')),
    };
    const { response, heard } = await deliverWith({ store });
    expect(response.status).toBe(503);
    expect(heard).toEqual([{ code: 'STORE_UNAVAILABLE', event: undefined, deadLettered: false }]);
  });

  it('a store that does not record completions before the deadline: 503, and onError hears it', async () => {
    const store: DedupeStore = { ...memoryStore(), complete: () => new Promise(() => {}) };
    const { response, heard } = await deliverWith({ store, deadlineMs: 200 });
    expect(response.status).toBe(503);
    expect(heard).toEqual([{ code: 'STORE_UNAVAILABLE', event: undefined, deadLettered: false }]);
  });

  it('a queue that refuses the batch: 503, and onError hears QUEUE_UNAVAILABLE', async () => {
    const queue = inProcessQueue();
    const { response, heard } = await deliverWith({
      delivery: 'queue',
      queue: { ...queue, enqueue: () => Promise.reject(new Error('queue is full')) },
    });
    expect(response.status).toBe(503);
    expect(heard).toEqual([{ code: 'QUEUE_UNAVAILABLE', event: undefined, deadLettered: false }]);
    await queue.close();
  });
});
