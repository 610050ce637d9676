/**
 * The delivery promise, end to end through Express over real HTTP, against every store on
 * its real backend: each webhook id's handlers take effect once, in Passfort's order, and
 * nothing is acked that was not done.
 */
import { createServer } from 'node:http';
import { createPassfortWebhooks, type PassfortWebhooksOptions } from '@passfort-webhooks/core';
import type { DedupeStore } from '@passfort-webhooks/core/store';
import {
  kitBatch as batch,
  kitHeaders as bearer,
  httpRequest,
  listenOnLoopback,
  kitWebhookId as webhookId,
} from '@passfort-webhooks/testing/conformance';
import express from 'express';
import { afterEach, describe, expect, it } from 'vitest';
import { availableStores, type OpenedStore } from '../../core/test/store-fixtures.js';
import { passfortWebhooks } from './index.js';

const WEBHOOK_PATH = '/webhooks/passfort';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

for (const kind of await availableStores()) {
  describe(`exactly-once delivery through Express, ${kind.name}`, () => {
    const open: { close(): Promise<void> }[] = [];
    afterEach(async () => {
      while (open.length > 0) await open.pop()!.close();
    });

    /** A receiver whose handler records effects; `fail(id)` decides when it throws. */
    async function receiver(
      options: Partial<PassfortWebhooksOptions> & {
        handler?: (id: string) => unknown;
      } = {},
    ) {
      const opened: OpenedStore = await kind.open();
      const effects: string[] = [];
      const attempts = new Map<string, number>();
      // `handler` is this test's own option, not the receiver's (which refuses unknown ones).
      const { handler: _handler, ...receiverOptions } = options;
      const webhooks = createPassfortWebhooks({
        secret: 'e2e-secret',
        store: opened.store,
        ...(receiverOptions as Partial<PassfortWebhooksOptions>),
      });
      webhooks.onAny(async (event) => {
        attempts.set(event.id, (attempts.get(event.id) ?? 0) + 1);
        await options.handler?.(event.id);
        effects.push(event.id);
      });
      const app = express();
      app.use(passfortWebhooks(webhooks, { path: WEBHOOK_PATH }));
      const server = await listenOnLoopback(createServer(app));
      open.push({
        async close() {
          await server.close();
          await webhooks.close();
          await opened.cleanup();
        },
      });
      const send = (payload: unknown) =>
        httpRequest(`${server.url}${WEBHOOK_PATH}`, {
          body: JSON.stringify(payload),
          headers: bearer('e2e-secret'),
        });
      return { webhooks, store: opened.store, effects, attempts, send };
    }

    const ids = (from: number, count: number) => batch(count, from, 'e2e-secret');

    it('runs only the new suffix of a redelivered batch', async () => {
      const r = await receiver();
      expect((await r.send(ids(0, 6))).status).toBe(200);
      const second = await r.send(ids(0, 10));
      expect(second.counts).toEqual({
        received: 10,
        processed: 4,
        duplicates: 6,
        deadLettered: 0,
        echoes: 0,
      });
      expect(r.effects).toEqual(ids(0, 10).map((e) => e.id));
    });

    it('runs each handler once when the same batch arrives twice at the same time', async () => {
      const r = await receiver({ handler: () => sleep(5) });
      const [a, b] = await Promise.all([r.send(ids(0, 20)), r.send(ids(0, 20))]);
      // One delivery does the work; the other is told to come back (503) or finds duplicates.
      expect([a.status, b.status].sort()).toContain(200);
      for (const res of [a, b]) expect([200, 503]).toContain(res.status);
      const retry = await r.send(ids(0, 20));
      expect(retry.status).toBe(200);
      expect(r.effects).toEqual(ids(0, 20).map((e) => e.id));
      expect([...r.attempts.values()].every((n) => n === 1)).toBe(true);
    });

    it('retries a failed webhook on redelivery and runs it once it succeeds', async () => {
      let failures = 2;
      const r = await receiver({
        handler: (id) => {
          if (id === webhookId(3) && failures-- > 0) throw new Error('downstream unavailable');
        },
      });
      expect((await r.send(ids(0, 6))).status).toBe(500);
      expect((await r.send(ids(0, 6))).status).toBe(500);
      const third = await r.send(ids(0, 6));
      expect(third.status).toBe(200);
      expect(r.effects).toEqual(ids(0, 6).map((e) => e.id));
      expect(r.attempts.get(webhookId(3))).toBe(3);
      expect(r.attempts.get(webhookId(4))).toBe(1);
    });

    it('moves a poison webhook to the dead letters after maxAttempts so the batch behind it proceeds', async () => {
      const heard: boolean[] = [];
      const r = await receiver({
        maxAttempts: 3,
        handler: (id) => {
          if (id === webhookId(2)) throw new Error('poison');
        },
      });
      r.webhooks.onError(({ deadLettered }) => void heard.push(deadLettered));
      expect((await r.send(ids(0, 5))).status).toBe(500);
      expect((await r.send(ids(0, 5))).status).toBe(500);
      const third = await r.send(ids(0, 5));
      expect(third.status).toBe(200);
      expect(third.counts).toEqual({
        received: 5,
        processed: 2,
        duplicates: 2,
        deadLettered: 1,
        echoes: 0,
      });
      expect(heard).toEqual([false, false, true]);
      expect(r.effects).toEqual([0, 1, 3, 4].map(webhookId));
      const [letter] = await r.webhooks.deadLetters.list();
      expect(letter).toMatchObject({
        id: webhookId(2),
        reason: 'max-attempts',
        attempts: 3,
        error: 'poison',
      });
      expect(JSON.stringify(letter)).not.toContain('e2e-secret');
      // Redelivery after that is all duplicates.
      expect((await r.send(ids(0, 5))).counts).toMatchObject({ processed: 0, duplicates: 5 });
      expect((await r.webhooks.status()).deadLetters).toBe(1);
    });

    it('replays a dead letter once its cause is fixed, and deletes it', async () => {
      let broken = true;
      const r = await receiver({
        maxAttempts: 1,
        handler: () => {
          if (broken) throw new Error('bad mapping');
        },
      });
      expect((await r.send(ids(0, 1))).counts).toMatchObject({ deadLettered: 1, echoes: 0 });
      await expect(r.webhooks.deadLetters.replay(webhookId(0))).rejects.toThrow(/handler failed/i);
      broken = false;
      await r.webhooks.deadLetters.replay(webhookId(0));
      expect(r.effects).toEqual([webhookId(0)]);
      expect(await r.webhooks.deadLetters.list()).toEqual([]);
    });

    it('answers 503 within the deadline, records the slow handler in the background, and the redelivery does only the rest', async () => {
      let release = () => {};
      const r = await receiver({
        deadlineMs: 200,
        handler: (id) =>
          id === webhookId(1) ? new Promise<void>((resolve) => (release = resolve)) : undefined,
      });
      const first = await r.send(ids(0, 4));
      expect(first.status).toBe(503);
      expect(first.json).toMatchObject({
        error: { code: 'DEADLINE_EXCEEDED', index: 1 },
        processed: 1,
      });
      expect(r.effects).toEqual([webhookId(0)]);
      release();
      await sleep(50);
      const second = await r.send(ids(0, 4));
      expect(second.counts).toEqual({
        received: 4,
        processed: 2,
        duplicates: 2,
        deadLettered: 0,
        echoes: 0,
      });
      expect(r.effects).toEqual(ids(0, 4).map((e) => e.id));
      expect([...r.attempts.values()].every((n) => n === 1)).toBe(true);
    });

    it('recovers a webhook abandoned between claim and complete once its lease expires', async () => {
      const r = await receiver({ leaseMs: 400 });
      // A process claimed webhook 0 and died before completing it.
      await r.store.claim([webhookId(0)], { leaseMs: 400 });
      const blocked = await r.send(ids(0, 3));
      expect(blocked.status).toBe(503);
      expect(blocked.json).toMatchObject({ error: { code: 'IN_PROGRESS', index: 0 } });
      expect(r.effects).toEqual([]);
      await sleep(500);
      expect((await r.send(ids(0, 3))).status).toBe(200);
      expect(r.effects).toEqual(ids(0, 3).map((e) => e.id));
    });

    it('answers 503 and runs nothing when the store is unreachable, then processes everything once', async () => {
      const r = await receiver();
      const outage = failingStore(r.store);
      const down = createPassfortWebhooks({ secret: 'e2e-secret', store: outage.store });
      let ran = 0;
      down.onAny(() => void ran++);
      const response = await down.handle({
        method: 'POST',
        headers: bearer('e2e-secret'),
        body: JSON.stringify(ids(0, 3)),
      });
      expect(response.status).toBe(503);
      expect(ran).toBe(0);
      outage.heal();
      expect(
        (
          await down.handle({
            method: 'POST',
            headers: bearer('e2e-secret'),
            body: JSON.stringify(ids(0, 3)),
          })
        ).status,
      ).toBe(200);
      expect(ran).toBe(3);
      await down.close();
    });

    it('exposes status() on GET only to a caller with the secret, when asked to', async () => {
      const r = await receiver({
        exposeStatus: true,
        maxAttempts: 1,
        handler: (id) => {
          if (id === webhookId(1)) throw new Error('boom');
        },
      });
      await r.send(ids(0, 2));
      const app = express();
      app.use(passfortWebhooks(r.webhooks, { path: WEBHOOK_PATH }));
      const server = await listenOnLoopback(createServer(app));
      const allowed = await httpRequest(`${server.url}${WEBHOOK_PATH}`, {
        method: 'GET',
        headers: bearer('e2e-secret'),
      });
      const refused = await httpRequest(`${server.url}${WEBHOOK_PATH}`, {
        method: 'GET',
        headers: bearer('nope'),
      });
      await server.close();
      expect(allowed.status).toBe(200);
      expect(allowed.json).toMatchObject({
        queue: 'empty',
        deadLetters: 1,
        recentFailures: [{ id: webhookId(1), error: 'boom', attempts: 1, deadLettered: true }],
      });
      expect(allowed.text).not.toContain('e2e-secret');
      expect(refused.status).toBe(405);
    });
  });
}

/** Wraps a store so every call fails until `heal()`, like a store whose server is down. */
function failingStore(inner: DedupeStore): { store: DedupeStore; heal(): void } {
  let down = true;
  const guard =
    <A extends unknown[], R>(call: (...args: A) => R) =>
    (...args: A): R => {
      if (down) throw new Error('connect ECONNREFUSED');
      return call(...args);
    };
  return {
    heal: () => {
      down = false;
    },
    store: {
      claim: guard((ids, options) => inner.claim(ids, options)),
      complete: guard((ids) => inner.complete(ids)),
      release: guard((ids, options) => inner.release(ids, options)),
      addDeadLetter: guard((letter) => inner.addDeadLetter(letter)),
      listDeadLetters: guard((options) => inner.listDeadLetters(options)),
      getDeadLetter: guard((id) => inner.getDeadLetter(id)),
      deleteDeadLetter: guard((id) => inner.deleteDeadLetter(id)),
      countDeadLetters: guard(() => inner.countDeadLetters()),
    },
  };
}
