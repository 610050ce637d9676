import { describe, expect, it } from 'vitest';
import { batch, bearer, SECRET } from '../../test/webhook-fixtures.js';
import { createPassfortWebhooks } from '../create-passfort-webhooks.js';
import { memoryStore } from '../stores/memory/memory-store.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A receiver whose second webhook's handler waits until `finish` is called. */
function slowSecond(deadlineMs: number, outcome: 'resolve' | 'reject') {
  const store = memoryStore();
  const webhooks = createPassfortWebhooks({ secret: SECRET, store, deadlineMs, logger: false });
  const webhooksBatch = batch(3);
  const ran: string[] = [];
  let finish = () => {};
  webhooks.onAny(async (event) => {
    ran.push(event.id);
    if (event.id !== webhooksBatch[1]!.id) return;
    await new Promise<void>((resolve) => {
      finish = resolve;
    });
    if (outcome === 'reject') throw new Error('failed after the deadline');
  });
  const send = () =>
    webhooks.handle({ method: 'POST', headers: bearer(), body: JSON.stringify(webhooksBatch) });
  return {
    webhooks,
    store,
    ran,
    send,
    batch: webhooksBatch,
    ids: webhooksBatch.map((e) => e.id),
    finish: () => finish(),
  };
}

describe('a handler that outlives its request deadline', () => {
  it('is answered at the deadline, and close() waits until the handler finished and its completion is recorded', async () => {
    const r = slowSecond(150, 'resolve');
    const started = Date.now();
    const answer = await r.send();
    expect(answer.status).toBe(503);
    expect(JSON.parse(answer.body)).toMatchObject({
      error: { code: 'DEADLINE_EXCEEDED', index: 1 },
      processed: 1,
    });
    expect(Date.now() - started).toBeLessThan(2_000);
    // The third never started, and its claim was given back at once.
    expect(r.ran).toEqual(r.ids.slice(0, 2));
    expect(await r.store.claim([r.ids[2]!], { leaseMs: 1_000 })).toEqual([
      { status: 'claimed', attempt: 1 },
    ]);
    await r.store.release([r.ids[2]!]);
    let closed = false;
    const closing = r.webhooks.close().then(() => {
      closed = true;
    });
    await sleep(50);
    expect(closed).toBe(false);
    r.finish();
    await closing;
    // The slow one is recorded as done: a redelivery would skip it.
    expect(await r.store.claim([r.ids[1]!], { leaseMs: 1_000 })).toEqual([{ status: 'done' }]);
  });

  it('fails after the answer went out: its claim is released, so the redelivery runs it again', async () => {
    const r = slowSecond(150, 'reject');
    expect((await r.send()).status).toBe(503);
    r.finish();
    await sleep(50);
    // The redelivery, on the same store: it sees what the first delivery left.
    const again = createPassfortWebhooks({ secret: SECRET, store: r.store, logger: false });
    const ran: string[] = [];
    again.onAny((event) => void ran.push(event.id));
    const answer = await again.handle({
      method: 'POST',
      headers: bearer(),
      body: JSON.stringify(r.batch),
    });
    expect(answer.status).toBe(200);
    expect(ran).toEqual(r.ids.slice(1));
    await Promise.all([r.webhooks.close(), again.close()]);
  });
});
