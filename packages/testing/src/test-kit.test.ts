import { createPassfortWebhooks } from '@passfort-webhooks/core';
import { describe, expect, it } from 'vitest';
import {
  createDeliveryLog,
  replayWithOverlap,
  webhookEnvelope,
  webhookRequest,
} from './test-kit.js';

const secret = 'kit-secret';

describe('test kit', () => {
  it('builds single and batched requests a receiver accepts, and replays with overlap', async () => {
    const webhooks = createPassfortWebhooks({ secret });
    const log = createDeliveryLog();
    webhooks.onAny(log.record);
    const first = [1, 2, 3].map(() => webhookEnvelope('CHECK_COMPLETED', undefined, { secret }));
    const single = webhookEnvelope('PRODUCT_STATUS_CHANGED', undefined, { secret, id: 'fixed-id' });
    expect((await webhooks.handle(webhookRequest(single, { secret }))).status).toBe(200);
    expect((await webhooks.handle(webhookRequest(first, { secret }))).status).toBe(200);
    const newer = [webhookEnvelope('TASK_CREATED', undefined, { secret })];
    const replay = replayWithOverlap(first, newer);
    const res = await webhooks.handle(webhookRequest(replay, { secret }));
    expect(res.counts).toMatchObject({ received: 4, processed: 1, duplicates: 3 });
    log.assertHandledOnceInOrder(['fixed-id', ...first.map((e) => e.id), newer[0]!.id]);
  });

  it('names the first problem when handling was not exactly once and in order', () => {
    const twice = createDeliveryLog();
    for (const id of ['a', 'b', 'a']) twice.record({ id } as never);
    expect(() => twice.assertHandledOnceInOrder(['a', 'b'])).toThrow(
      'webhook a was handled 2 times',
    );
    const swapped = createDeliveryLog();
    for (const id of ['b', 'a']) swapped.record({ id } as never);
    expect(() => swapped.assertHandledOnceInOrder(['a', 'b'])).toThrow(
      'out of order at position 0',
    );
    const missing = createDeliveryLog();
    missing.record({ id: 'a' } as never);
    expect(() => missing.assertHandledOnceInOrder(['a', 'b'])).toThrow(
      'webhook b was never handled',
    );
  });

  it('refuses an unbatched request of several webhooks', () => {
    const envelopes = [1, 2].map(() => webhookEnvelope('CHECK_COMPLETED', undefined, { secret }));
    expect(() => webhookRequest(envelopes, { secret, batched: false })).toThrow(
      /exactly one webhook/,
    );
  });
});
