/**
 * The receiver's deadline against an open transaction: the answer goes out at the deadline,
 * but the transaction commits as a unit, and the redelivery then finds it done.
 */
import type { WebhookResponse } from '@passfort-webhooks/core/adapter';
import { type ConformanceCase, expectEqual, expectMatch, sleep } from '../conformance-case.js';
import { kitWebhook, kitWebhookId } from '../kit-webhooks.js';
import { kitReceiver, send } from './kit-receiver.js';
import { transactionCase } from './transaction-case.js';
import type { OpenTransactionalStore } from './transactional-store-fixture.js';

export function deadlineCase<Tx>(open: OpenTransactionalStore<Tx>): ConformanceCase {
  return transactionCase(
    open,
    'a transaction still open at the deadline commits as a unit; the redelivery then finds it done',
    async (f) => {
      const webhooks = kitReceiver(f.store, { deadlineMs: 300 });
      let runs = 0;
      webhooks.on('PRODUCT_STATUS_CHANGED', async (event, ctx) => {
        runs++;
        await ctx.transaction(async (tx) => {
          await f.insertEffect(tx, event.id);
          await sleep(1_000);
        });
      });
      const webhook = kitWebhook(kitWebhookId(5));
      const answer = await send(webhooks, webhook);
      expectEqual(answer.status, 503, 'the deadline answers 503');
      expectEqual(JSON.parse(answer.body).error?.code, 'DEADLINE_EXCEEDED', 'and says why');
      expectEqual((await send(webhooks, webhook)).status, 503, 'a redelivery meanwhile is refused');
      let last: WebhookResponse | undefined;
      for (let tries = 0; tries < 50 && last?.status !== 200; tries++) {
        await sleep(100);
        last = await send(webhooks, webhook);
      }
      expectMatch(last?.counts, { duplicates: 1 }, 'once committed, the redelivery is a duplicate');
      expectEqual(await f.effects(), [webhook.id], 'the effect exists once');
      expectEqual(runs, 1, 'the handler ran once');
      await webhooks.close();
    },
  );
}
