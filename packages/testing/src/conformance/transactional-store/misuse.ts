/**
 * What `ctx.transaction` refuses, so that a handler's mistake fails loudly instead of
 * committing twice or less than it meant: a second transaction, a result that would read back
 * different after a retry, and the connection used once fn has settled or given back by fn.
 */
import { type ConformanceCase, expectEqual, expectTrue, sleep } from '../conformance-case.js';
import { kitWebhook, kitWebhookId } from '../kit-webhooks.js';
import { kitReceiver, send } from './kit-receiver.js';
import { transactionCase } from './transaction-case.js';
import type { OpenTransactionalStore } from './transactional-store-fixture.js';

export function secondTransactionCase<Tx>(open: OpenTransactionalStore<Tx>): ConformanceCase {
  return transactionCase(
    open,
    'one transaction per webhook: a second call rejects with a ConfigurationError',
    async (f) => {
      const webhooks = kitReceiver(f.store);
      const errors: string[] = [];
      webhooks.on('PRODUCT_STATUS_CHANGED', async (event, ctx) => {
        await ctx.transaction((tx) => f.insertEffect(tx, event.id));
        await ctx
          .transaction((tx) => f.insertEffect(tx, event.id))
          .catch((error: Error) => {
            errors.push(error.name);
          });
      });
      const webhook = kitWebhook(kitWebhookId(3));
      expectEqual((await send(webhooks, webhook)).status, 200, 'the webhook is acked');
      expectEqual(errors, ['ConfigurationError'], 'the second call was refused');
      expectEqual(await f.effects(), [webhook.id], 'the effect exists once');
      await webhooks.close();
    },
  );
}

export function unfaithfulResultCase<Tx>(open: OpenTransactionalStore<Tx>): ConformanceCase {
  return transactionCase(
    open,
    'a result that would read back different (a Date, a Map, NaN, the connection) is refused and rolled back',
    async (f) => {
      const webhooks = kitReceiver(f.store);
      const errors: string[] = [];
      const results: Record<string, (tx: Tx) => unknown> = {
        [kitWebhookId(60)]: () => new Date(),
        [kitWebhookId(61)]: () => new Map([['a', 1]]),
        [kitWebhookId(62)]: () => ({ score: Number.NaN }),
        [kitWebhookId(63)]: (tx) => tx,
      };
      webhooks.on('PRODUCT_STATUS_CHANGED', async (event, ctx) => {
        await ctx
          .transaction(async (tx) => {
            await f.insertEffect(tx, event.id);
            return results[event.id]!(tx);
          })
          .catch((error: Error) => {
            errors.push(error.message);
            throw error;
          });
      });
      for (const id of Object.keys(results)) {
        expectEqual((await send(webhooks, kitWebhook(id))).status, 500, `${id} is not acked`);
      }
      expectEqual(await f.effects(), [], 'nothing was committed');
      expectEqual(errors.length, 4, 'each was refused');
      expectTrue(
        /a Date at result/.test(errors[0]!) &&
          /a Map at result/.test(errors[1]!) &&
          /NaN at result\.score/.test(errors[2]!) &&
          /at result \(/.test(errors[3]!),
        `each error names the value and where it is (${errors.join(' | ')})`,
      );
      await webhooks.close();
    },
  );
}

export function settledConnectionCase<Tx>(open: OpenTransactionalStore<Tx>): ConformanceCase {
  return transactionCase(
    open,
    'the connection cannot be used once fn has settled, nor given back by fn',
    async (f) => {
      const webhooks = kitReceiver(f.store);
      const late: string[] = [];
      const early = kitWebhook(kitWebhookId(70));
      const next = kitWebhook(kitWebhookId(71));
      const releasing = kitWebhook(kitWebhookId(72));
      let releaseError = '';
      webhooks.on('PRODUCT_STATUS_CHANGED', async (event, ctx) => {
        if (event.id === early.id) {
          await ctx.transaction(async (tx) => {
            await f.insertEffect(tx, event.id);
            // A forgotten write, started after fn returns: it must not run in the next
            // webhook's transaction (or anywhere).
            setTimeout(() => {
              f.insertEffect(tx, 'late-write').catch((error: Error) => late.push(error.name));
            }, 50);
          });
        } else if (event.id === next.id) {
          await ctx.transaction(async (tx) => {
            await sleep(300);
            await f.insertEffect(tx, event.id);
          });
        } else {
          await ctx.transaction(async (tx) => {
            await f.insertEffect(tx, event.id);
            try {
              (tx as unknown as { release(): void }).release();
            } catch (error) {
              releaseError = (error as Error).message;
              throw error;
            }
          });
        }
      });
      expectEqual((await send(webhooks, [early, next])).status, 200, 'both are acked');
      await sleep(100);
      expectEqual(late, ['ConfigurationError'], 'the late write was refused');
      expectEqual((await send(webhooks, releasing)).status, 500, 'release() inside fn fails it');
      expectTrue(
        /must not be given back/.test(releaseError),
        `with a clear error (${releaseError})`,
      );
      expectEqual(
        await f.effects(),
        [early.id, next.id],
        'the late write and the released transaction left nothing',
      );
      await webhooks.close();
    },
  );
}
