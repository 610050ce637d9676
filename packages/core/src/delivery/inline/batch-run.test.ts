import { describe, expect, it } from 'vitest';
import {
  batch,
  bearer,
  productStatusChanged,
  SECRET,
  webhookId,
} from '../../../test/webhook-fixtures.js';
import { createPassfortWebhooks } from '../../create-passfort-webhooks.js';
import type { DedupeStore } from '../../stores/dedupe-store.js';
import { memoryStore } from '../../stores/memory/memory-store.js';

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
    expect(await r.store.claim([r.ids[1]!], { leaseMs: 1_000 })).toMatchObject([
      { status: 'done' },
    ]);
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

/**
 * A process that dies while a handler runs: from `die()` on, nothing it does reaches the
 * store (no completion, no release, no renewal), and its handler never returns.
 */
function mortalStore(store: DedupeStore) {
  let dead = false;
  const never = new Promise<never>(() => {});
  const { renew: _renew, ...calls } = store;
  const mortal = Object.fromEntries(
    Object.entries(calls).map(([name, call]) => [
      name,
      (...args: unknown[]) =>
        dead ? never : (call as (...a: unknown[]) => unknown).apply(store, args),
    ]),
  ) as unknown as DedupeStore;
  const die = () => {
    dead = true;
  };
  return { store: mortal, die };
}

describe('attempts count what ran', () => {
  it('two crashes during webhook 1 cost webhook 1 two attempts, and webhooks 2–4 none: webhook 2’s first failure is not its last', async () => {
    const shared = memoryStore();
    const webhooks = batch(4);
    const ids = webhooks.map((webhook) => webhook.id);
    const body = JSON.stringify(webhooks);
    for (let crash = 1; crash <= 2; crash++) {
      const mortal = mortalStore(shared);
      const doomed = createPassfortWebhooks({
        secret: SECRET,
        store: mortal.store,
        leaseMs: 200,
        deadlineMs: 300,
        logger: false,
      });
      doomed.onAny(async (event) => {
        if (event.id !== ids[0]) return;
        mortal.die(); // SIGKILL while webhook 1 runs
        await new Promise(() => {});
      });
      expect((await doomed.handle({ method: 'POST', headers: bearer(), body })).status).toBe(503);
      await sleep(300); // the dead process's leases end
    }
    const seen: [string, number][] = [];
    const receiver = createPassfortWebhooks({
      secret: SECRET,
      store: shared,
      maxAttempts: 3,
      logger: false,
    });
    receiver.onAny((event, ctx) => {
      seen.push([event.id, ctx.attempt]);
      if (event.id === ids[1]) throw new Error('the first real failure of webhook 2');
    });
    const answer = await receiver.handle({ method: 'POST', headers: bearer(), body });
    expect(answer.status).toBe(500);
    expect(seen).toEqual([
      [ids[0], 3],
      [ids[1], 1],
    ]);
    expect(await shared.countDeadLetters()).toBe(0);
    // The redelivery: webhook 2 on its second attempt, then 3 and 4 on their first.
    seen.length = 0;
    const again = await receiver.handle({ method: 'POST', headers: bearer(), body });
    expect(again.status).toBe(500);
    expect(seen).toEqual([[ids[1], 2]]);
    await receiver.close();
  });

  it('counts the run of a webhook that starts after a dead letter, or after ids already done, before it can crash', async () => {
    const store = memoryStore();
    const webhooks = batch(5);
    const ids = webhooks.map((webhook) => webhook.id);
    /** Every run, by any receiver: id and ctx.attempt. */
    const attempts: [string, number][] = [];
    /** Sends `sent` to a receiver that dies when `victim` runs, after `poison` was dead-lettered. */
    const crashOn = async (sent: typeof webhooks, victim: string, poison?: string) => {
      const mortal = mortalStore(store);
      const doomed = createPassfortWebhooks({
        secret: SECRET,
        store: mortal.store,
        leaseMs: 200,
        deadlineMs: 300,
        maxAttempts: 1,
        logger: false,
      });
      doomed.onAny(async (event, ctx) => {
        attempts.push([event.id, ctx.attempt]);
        if (event.id === poison) throw new Error('poison');
        if (event.id !== victim) return;
        mortal.die();
        await new Promise(() => {});
      });
      await doomed.handle({ method: 'POST', headers: bearer(), body: JSON.stringify(sent) });
      await sleep(300);
    };
    // 1 done, 2 dead-lettered, 3 starts (no completion carries its start) and the process dies.
    await crashOn(webhooks.slice(0, 3), ids[2]!, ids[1]);
    const receiver = createPassfortWebhooks({ secret: SECRET, store, logger: false });
    receiver.onAny((event, ctx) => void attempts.push([event.id, ctx.attempt]));
    const send = (sent: typeof webhooks) =>
      receiver.handle({ method: 'POST', headers: bearer(), body: JSON.stringify(sent) });
    expect((await send(webhooks.slice(0, 3))).status).toBe(200);
    // 1 to 3 done or dead-lettered, 4 starts after them and the process dies.
    await crashOn(webhooks.slice(0, 4), ids[3]!);
    // 4 runs and completes; the completion write counts 5's start; 5 runs and the process dies.
    await crashOn(webhooks, ids[4]!);
    expect((await send(webhooks)).status).toBe(200);
    expect(attempts).toEqual([
      [ids[0], 1],
      [ids[1], 1],
      [ids[2], 1],
      [ids[2], 2],
      [ids[3], 1],
      [ids[3], 2],
      [ids[4], 1],
      [ids[4], 2],
    ]);
    expect(await store.countDeadLetters()).toBe(1);
    await receiver.close();
  });
});

describe('counting runs as they start', () => {
  it('adds no store call: each start rides on the completion write before it', async () => {
    const memory = memoryStore();
    const calls: string[] = [];
    // A networked store's timing: every answer a promise.
    const store: DedupeStore = {
      ...memory,
      claim: (ids, options) => {
        calls.push(`claim ${ids.length}`);
        return Promise.resolve(memory.claim(ids, options));
      },
      complete: (ids, options) => {
        calls.push(`complete ${ids.length}${options?.started === undefined ? '' : ' +start'}`);
        return Promise.resolve(memory.complete(ids, options));
      },
    };
    const receiver = createPassfortWebhooks({ secret: SECRET, store, logger: false });
    receiver.onAny(() => sleep(5));
    const answer = await receiver.handle({
      method: 'POST',
      headers: bearer(),
      body: JSON.stringify(batch(3)),
    });
    expect(answer.status).toBe(200);
    expect(calls).toEqual(['claim 3', 'complete 1 +start', 'complete 1 +start', 'complete 1']);
    await receiver.close();
  });
});

describe('the same id with another event or payload', () => {
  it('is skipped as a duplicate, logged with both events and no payload value, and counted', async () => {
    const warnings: { fields: Record<string, unknown>; message: string }[] = [];
    const receiver = createPassfortWebhooks({
      secret: SECRET,
      logger: {
        warn: (fields: Record<string, unknown>, message?: string) =>
          void warnings.push({ fields, message: message ?? '' }),
      },
    });
    const ran: string[] = [];
    receiver.onAny((event) => void ran.push(event.event));
    const first = productStatusChanged(webhookId(70));
    const send = (body: unknown) =>
      receiver.handle({ method: 'POST', headers: bearer(), body: JSON.stringify(body) });
    await send(first);
    // A redelivery of the same webhook: a duplicate, without a word.
    expect((await send(first)).counts).toMatchObject({ duplicates: 1 });
    expect(warnings).toEqual([]);
    // The same id, another event (Passfort's own help pages reuse one sample id).
    const otherEvent = { ...first, event: 'CHECK_COMPLETED', data: { profile_id: 'p-9' } };
    // The same id and event, another payload.
    const otherPayload = { ...first, data: { ...first.data, new_status: 'REJECTED' } };
    expect((await send(otherEvent)).counts).toMatchObject({ duplicates: 1 });
    expect((await send(otherPayload)).counts).toMatchObject({ duplicates: 1 });
    expect(ran).toEqual(['PRODUCT_STATUS_CHANGED']);
    expect(warnings.map(({ fields, message }) => [fields, message])).toEqual([
      [
        { id: first.id, event: 'CHECK_COMPLETED', processedEvent: 'PRODUCT_STATUS_CHANGED' },
        expect.stringMatching(/already processed as another event/),
      ],
      [
        { id: first.id, event: 'PRODUCT_STATUS_CHANGED', processedEvent: 'PRODUCT_STATUS_CHANGED' },
        expect.stringMatching(/already processed with another payload/),
      ],
    ]);
    expect(JSON.stringify(warnings)).not.toContain('REJECTED');
    expect((await receiver.status()).counts).toMatchObject({ duplicates: 3, changedDuplicates: 2 });
    await receiver.close();
  });
});
