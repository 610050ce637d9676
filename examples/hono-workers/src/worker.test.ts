import { DELIVERY_COUNTS_HEADER, parseDeliveryCounts } from '@passfort-webhooks/core/adapter';
import type { Miniflare } from 'miniflare';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startWorker } from './dev.js';

let worker: Miniflare;
beforeAll(async () => {
  worker = await startWorker(0, 'worker-secret');
}, 60_000);
afterAll(() => worker.dispose());

const envelope = (n: number) => ({
  id: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
  event: 'PRODUCT_STATUS_CHANGED',
  secret: 'worker-secret',
  timestamp: 1,
  data: { application_id: `a-${n}`, new_status: 'IN_REVIEW', product: {}, profile_id: 'p' },
});

async function post(payload: unknown) {
  const response = await worker.dispatchFetch('http://worker.test/webhooks/passfort', {
    method: 'POST',
    headers: { authorization: 'Bearer worker-secret', 'content-type': 'application/json' },
    body: JSON.stringify(payload),
  });
  await response.text();
  return {
    status: response.status,
    counts: parseDeliveryCounts(response.headers.get(DELIVERY_COUNTS_HEADER)),
  };
}

it('receives webhooks in workerd and dedupes redeliveries through the Durable Object store', async () => {
  const first = await post([envelope(1), envelope(2), envelope(3)]);
  expect(first).toMatchObject({ status: 200, counts: { processed: 3, duplicates: 0 } });
  const redelivered = await post([envelope(1), envelope(2), envelope(3), envelope(4)]);
  expect(redelivered).toMatchObject({ status: 200, counts: { processed: 1, duplicates: 3 } });
  const handled = (await (
    await worker.dispatchFetch('http://worker.test/handled')
  ).json()) as string[];
  expect(handled).toHaveLength(4);
  const status = await worker.dispatchFetch('http://worker.test/webhooks/passfort', {
    headers: { authorization: 'Bearer worker-secret' },
  });
  expect(await status.json()).toMatchObject({ queue: 'empty', deadLetters: 0 });
  const refused = await post([{ ...envelope(5), secret: 'nope' }]);
  expect(refused.status).toBe(401);
});
