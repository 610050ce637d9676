/**
 * The guarantee itself: the effect commits with the store's record or not at all, so a
 * redelivery, a failure inside the transaction and a failure after it each leave one effect.
 */
import { type ConformanceCase, expectEqual, expectMatch, expectTrue } from '../conformance-case.js';
import { kitBatch, kitWebhook, kitWebhookId } from '../kit-webhooks.js';
import { kitReceiver, send } from './kit-receiver.js';
import { transactionCase } from './transaction-case.js';
import type { OpenTransactionalStore } from './transactional-store-fixture.js';

export function commitWithRecordCase<Tx>(open: OpenTransactionalStore<Tx>): ConformanceCase {
  return transactionCase(
    open,
    'commits the effect with the record: the redelivery is a duplicate and each effect exists once',
    async (f) => {
      const webhooks = kitReceiver(f.store);
      webhooks.on('PRODUCT_STATUS_CHANGED', async (event, ctx) => {
        await ctx.transaction((tx) => f.insertEffect(tx, event.id));
      });
      const batch = kitBatch(5);
      const first = await send(webhooks, batch);
      expectEqual(first.status, 200, 'the first delivery is acked');
      expectMatch(first.counts, { processed: 5 }, 'every webhook is processed');
      const again = await send(webhooks, batch);
      expectMatch(
        again.counts,
        { processed: 0, duplicates: 5 },
        'the redelivery is all duplicates',
      );
      expectEqual(
        await f.effects(),
        batch.map((w) => w.id),
        'one effect per webhook, in order',
      );
      await webhooks.close();
    },
  );
}

export function rollbackCase<Tx>(open: OpenTransactionalStore<Tx>): ConformanceCase {
  return transactionCase(
    open,
    'rolls the effect back when the function throws, and runs it once more on redelivery',
    async (f) => {
      const webhooks = kitReceiver(f.store);
      const attempts: number[] = [];
      webhooks.on('PRODUCT_STATUS_CHANGED', async (event, ctx) => {
        attempts.push(ctx.attempt);
        await ctx.transaction(async (tx) => {
          await f.insertEffect(tx, event.id);
          if (ctx.attempt === 1) throw new Error('the database refused a later write');
        });
      });
      const webhook = kitWebhook(kitWebhookId(1));
      expectTrue((await send(webhooks, webhook)).status !== 200, 'the failed attempt is not acked');
      expectEqual(await f.effects(), [], 'the rolled-back effect is gone');
      expectEqual((await send(webhooks, webhook)).status, 200, 'the redelivery is acked');
      expectEqual(await f.effects(), [webhook.id], 'the effect exists once');
      expectEqual(attempts, [1, 2], 'the handler ran once per delivery');
      await webhooks.close();
    },
  );
}

export function failureAfterCommitCase<Tx>(open: OpenTransactionalStore<Tx>): ConformanceCase {
  return transactionCase(
    open,
    'a failure after the commit retries the webhook without a second effect, and returns the recorded value',
    async (f) => {
      const webhooks = kitReceiver(f.store);
      const returned: unknown[] = [];
      webhooks.on('PRODUCT_STATUS_CHANGED', async (event, ctx) => {
        const value = await ctx.transaction(async (tx) => {
          await f.insertEffect(tx, event.id);
          return { attempt: ctx.attempt, note: 'written' };
        });
        returned.push(value);
        if (ctx.attempt === 1) throw new Error('the e-mail after the write failed');
      });
      const webhook = kitWebhook(kitWebhookId(2));
      expectEqual((await send(webhooks, webhook)).status, 500, 'the handler failure is a 500');
      expectEqual((await send(webhooks, webhook)).status, 200, 'the retry is acked');
      expectEqual(await f.effects(), [webhook.id], 'the effect exists once');
      expectEqual(
        returned,
        [
          { attempt: 1, note: 'written' },
          { attempt: 1, note: 'written' },
        ],
        'the retry got the value the committed run returned',
      );
      await webhooks.close();
    },
  );
}
