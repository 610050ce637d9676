/**
 * The local Passfort against the shipped examples, over real HTTP: batched and unbatched,
 * with handlers failing on their first attempt and one handler slower than the receiver's
 * deadline. The emulator's queue must drain, and every webhook must take effect exactly
 * once, in the order Passfort triggered it.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import type { PassfortEventName, PassfortWebhooks } from '@passfort-webhooks/core';
import { afterEach, describe, expect, it } from 'vitest';
import { createApp as createExpressApp } from '../../../examples/express/src/app.js';
import { createApp as createHonoApp } from '../../../examples/hono/src/app.js';
import { createApp as createKoaApp } from '../../../examples/koa/src/app.js';
import { createEmulator } from './emulator.js';
import { createDeliveryLog } from './test-kit.js';

const SECRET = 'e2e-webhook-secret';
const RECEIVER_DEADLINE_MS = 300;
const options = { deadlineMs: RECEIVER_DEADLINE_MS, leaseMs: 5_000 };

async function listen(server: Server): Promise<{ url: string; close(): Promise<void> }> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/passfort`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const frameworks: Record<
  string,
  () => Promise<{ webhooks: PassfortWebhooks; url: string; close(): Promise<void> }>
> = {
  Express: async () => {
    const { app, webhooks } = createExpressApp(
      SECRET,
      { applicationStatus: new Map(), checksToFetch: [] },
      options,
    );
    return { webhooks, ...(await listen(createServer(app))) };
  },
  Koa: async () => {
    const { app, webhooks } = createKoaApp(
      SECRET,
      { applicationStatus: new Map(), riskLevels: new Map() },
      options,
    );
    return { webhooks, ...(await listen(createServer(app.callback()))) };
  },
  Hono: async () => {
    const { app, webhooks } = createHonoApp(
      SECRET,
      { applicationStatus: new Map(), changedProfiles: new Set() },
      options,
    );
    const server = await new Promise<Server>((resolve) => {
      const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () =>
        resolve(s as Server),
      );
    });
    return {
      webhooks,
      url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/passfort`,
      close: () =>
        new Promise((resolve) => {
          server.closeAllConnections();
          server.close(() => resolve());
        }),
    };
  },
};

const MIX: PassfortEventName[] = [
  'PRODUCT_STATUS_CHANGED',
  'CHECK_COMPLETED',
  'COLLECTED_DATA_CHANGED',
  'RISK_LEVEL_CHANGED',
  'RISK_SCORE_CHANGED',
  'TASK_CREATED',
];

for (const [name, start] of Object.entries(frameworks)) {
  describe(`the emulator against examples/${name.toLowerCase()}`, () => {
    const cleanups: (() => Promise<void>)[] = [];
    afterEach(async () => {
      for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    });

    for (const batching of [true, false]) {
      it(`${batching ? 'batched' : 'unbatched'}: drains, and handles each webhook once, in order, despite failures and a slow handler`, async () => {
        const receiver = await start();
        cleanups.push(receiver.close);
        const log = createDeliveryLog();
        const count = batching ? 400 : 120;
        const failOnce = new Set<string>();
        let slow = '';
        receiver.webhooks.onAny(async (event, ctx) => {
          if (failOnce.has(event.id) && ctx.attempt === 1)
            throw new Error('injected handler failure');
          if (event.id === slow && ctx.attempt === 1) {
            await new Promise((resolve) => setTimeout(resolve, RECEIVER_DEADLINE_MS * 2));
          }
          log.record(event);
        });
        const emulator = createEmulator({
          target: receiver.url,
          secret: SECRET,
          batching,
          timeScale: 0.001,
          batchIntervalMs: () => Math.random() * 10_000,
          deadlineMs: { batched: 2_000, single: 2_000 },
        });
        cleanups.push(() => emulator.close());
        const emitted = Array.from(
          { length: count },
          (_, i) => emulator.emit(MIX[i % MIX.length]!).id,
        );
        // Each failure in a batch not yet acked doubles Passfort's backoff, as the real one
        // does; a couple per batch keeps the run short.
        emitted.forEach((id, i) => {
          if (i % (batching ? 53 : 23) === 5) failOnce.add(id);
        });
        slow = emitted[Math.floor(count / 2)]!;
        await emulator.drain({ timeoutMs: 60_000 });
        expect(emulator.status().queue).toBe('empty');
        expect(emulator.stats.failedRequests).toBeGreaterThan(0); // failures did happen…
        log.assertHandledOnceInOrder(emitted); // …and changed nothing
        const status = await receiver.webhooks.status();
        expect(status).toMatchObject({ queue: 'empty', deadLetters: 0 });
      }, 90_000);
    }
  });
}
