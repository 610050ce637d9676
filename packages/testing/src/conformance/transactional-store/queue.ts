/**
 * Queue delivery: the worker runs the transactions after the ack, and the guarantee holds
 * there too.
 */
import { type ConformanceCase, expectEqual, sleep } from '../conformance-case.js';
import { kitBatch } from '../kit-webhooks.js';
import { kitReceiver, send } from './kit-receiver.js';
import { transactionCase } from './transaction-case.js';
import type { OpenTransactionalStore } from './transactional-store-fixture.js';

export function queueDeliveryCase<Tx>(open: OpenTransactionalStore<Tx>): ConformanceCase {
  return transactionCase(
    open,
    'queue delivery: the worker’s transactions record each effect once, and a redelivery adds none',
    async (f) => {
      const webhooks = kitReceiver(f.store, { delivery: 'queue' });
      webhooks.on('PRODUCT_STATUS_CHANGED', async (event, ctx) => {
        await ctx.transaction((tx) => f.insertEffect(tx, event.id));
      });
      const batch = kitBatch(3, 10);
      expectEqual((await send(webhooks, batch)).status, 200, 'the batch is acked once enqueued');
      for (let tries = 0; tries < 100 && (await f.effects()).length < 3; tries++) await sleep(50);
      await send(webhooks, batch);
      await webhooks.close(); // drains the queue
      expectEqual(
        await f.effects(),
        batch.map((w) => w.id),
        'one effect per webhook, in order',
      );
    },
  );
}
