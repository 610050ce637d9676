/**
 * A transaction and its claim's lease: a delivery paused past its lease, then taken over,
 * commits nothing, and a transaction kept open for many leases keeps its claim live. On a
 * database with one writer (`singleWriter`) nobody can take a claim over while a transaction
 * is open, so those cases check the outcome such a database gives instead.
 */
import type { WebhookResponse } from '@passfort-webhooks/core/adapter';
import type { TransactionalStore } from '@passfort-webhooks/core/store';
import { type ConformanceCase, expectEqual, expectTrue, sleep } from '../conformance-case.js';
import { kitBatch, kitWebhook, kitWebhookId } from '../kit-webhooks.js';
import { kitReceiver, send } from './kit-receiver.js';
import { transactionCase } from './transaction-case.js';
import type { OpenTransactionalStore } from './transactional-store-fixture.js';

/** A redelivery that found the webhook in progress (503) or already done (200, a duplicate). */
const notProcessedAgain = (answer: WebhookResponse) =>
  answer.status === 503
    ? JSON.parse(answer.body).error?.code === 'IN_PROGRESS'
    : answer.status === 200 && answer.counts?.duplicates === 1;

export function pausedInsideTransactionCase<Tx>(
  open: OpenTransactionalStore<Tx>,
  singleWriter: boolean,
): ConformanceCase {
  return transactionCase(
    open,
    'a delivery paused inside its transaction past its lease, then taken over, cannot commit: its transaction rolls back and the one that took over commits once',
    async (f) => {
      // Leases of 200 ms and no renewal: the second receiver takes the claim while the first
      // one's transaction is still open (a GC pause, a frozen VM).
      const withoutRenewal = ({ renew: _renew, ...store }: TransactionalStore<Tx>) => store;
      const first = kitReceiver(withoutRenewal(f.store), { leaseMs: 200 });
      const second = kitReceiver(withoutRenewal(await f.another()), { leaseMs: 200 });
      const values: unknown[] = [];
      const after: string[] = [];
      first.on('PRODUCT_STATUS_CHANGED', async (event, ctx) => {
        values.push(
          await ctx.transaction(async (tx) => {
            await f.insertEffect(tx, event.id);
            await sleep(1_500);
            return 'first';
          }),
        );
        after.push('first');
      });
      second.on('PRODUCT_STATUS_CHANGED', async (event, ctx) => {
        values.push(
          await ctx.transaction(async (tx) => {
            await f.insertEffect(tx, event.id);
            return 'second';
          }),
        );
        after.push('second');
      });
      const webhook = kitWebhook(kitWebhookId(4));
      const firstAnswer = send(first, webhook);
      await sleep(500);
      const secondAnswer = await send(second, webhook);
      if (singleWriter) {
        // Nobody could write, so nobody took the claim over: the paused run commits, once.
        expectEqual((await firstAnswer).status, 200, 'the paused delivery commits and is acked');
        expectTrue(
          notProcessedAgain(secondAnswer),
          `the delivery that waited for the database finds it in progress or done (${secondAnswer.status} ${secondAnswer.body})`,
        );
        expectEqual(await f.effects(), [webhook.id], 'one effect, the first one');
        expectEqual(values, ['first'], 'only the first transaction ran');
        expectEqual(after, ['first'], 'the work after the transaction ran once');
        await first.close();
        await second.close();
        return;
      }
      expectTrue(
        (await firstAnswer).status !== 200,
        'the paused delivery is not acked: its claim was taken over',
      );
      expectEqual(secondAnswer.status, 200, 'the delivery that took it over is acked');
      expectEqual(await f.effects(), [webhook.id], 'one effect, the second one');
      expectEqual(values, ['second'], 'only the second transaction committed and returned');
      expectEqual(after, ['second'], 'the work after the transaction ran once');
      await first.close();
      await second.close();
    },
  );
}

export function pausedBeforeTransactionCase<Tx>(open: OpenTransactionalStore<Tx>): ConformanceCase {
  return transactionCase(
    open,
    'a delivery paused before its transaction, then taken over, runs neither its transaction nor what follows it',
    async (f) => {
      const withoutRenewal = ({ renew: _renew, ...store }: TransactionalStore<Tx>) => store;
      const first = kitReceiver(withoutRenewal(f.store), { leaseMs: 200 });
      const second = kitReceiver(withoutRenewal(await f.another()), { leaseMs: 200 });
      const runs: string[] = [];
      const after: string[] = [];
      const handler =
        (name: string, pauseMs: number) =>
        async (
          event: { id: string },
          ctx: { transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T> },
        ) => {
          await sleep(pauseMs); // the process froze here
          await ctx.transaction(async (tx) => {
            runs.push(name);
            await f.insertEffect(tx, event.id);
          });
          after.push(name); // an e-mail, a call to another system: outside the transaction
        };
      first.on('PRODUCT_STATUS_CHANGED', handler('first', 800));
      second.on('PRODUCT_STATUS_CHANGED', handler('second', 0));
      const webhook = kitWebhook(kitWebhookId(8));
      const firstAnswer = send(first, webhook);
      await sleep(400);
      expectEqual((await send(second, webhook)).status, 200, 'the takeover is acked');
      expectTrue((await firstAnswer).status !== 200, 'the paused delivery is not acked');
      expectEqual(await f.effects(), [webhook.id], 'one effect');
      expectEqual(runs, ['second'], 'the paused delivery’s transaction did not run');
      expectEqual(after, ['second'], 'nor did what follows it in its handler');
      await first.close();
      await second.close();
    },
  );
}

export function longTransactionCase<Tx>(
  open: OpenTransactionalStore<Tx>,
  singleWriter: boolean,
): ConformanceCase {
  return transactionCase(
    open,
    'a transaction open for many leases keeps its claim live: a redelivery is refused as in progress, and other webhooks go on',
    async (f) => {
      const first = kitReceiver(f.store, { leaseMs: 300 });
      const second = kitReceiver(await f.another(), { leaseMs: 300 });
      let runs = 0;
      const handler = async (
        event: { id: string },
        ctx: { transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T> },
      ) => {
        if (event.id !== slow.id) return ctx.transaction((tx) => f.insertEffect(tx, event.id));
        runs++;
        return ctx.transaction(async (tx) => {
          await f.insertEffect(tx, event.id);
          await sleep(2_500); // more than eight leases
        });
      };
      first.on('PRODUCT_STATUS_CHANGED', handler);
      second.on('PRODUCT_STATUS_CHANGED', handler);
      const slow = kitWebhook(kitWebhookId(40));
      const slowAnswer = send(first, slow);
      await sleep(1_200);
      const redelivery = await send(second, slow);
      if (singleWriter) {
        expectTrue(
          notProcessedAgain(redelivery),
          `the redelivery waits for the transaction, then finds it in progress or done (${redelivery.status} ${redelivery.body})`,
        );
      } else {
        expectEqual(redelivery.status, 503, 'the redelivery during the transaction is refused');
        expectEqual(
          JSON.parse(redelivery.body).error?.code,
          'IN_PROGRESS',
          'as in progress: the lease is still live',
        );
      }
      const others = kitBatch(10, 41);
      const answers = await Promise.all(others.map((webhook) => send(second, webhook)));
      expectEqual(
        answers.map((answer) => answer.status),
        others.map(() => 200),
        'unrelated webhooks are answered 200 while the transaction is open',
      );
      expectEqual((await slowAnswer).status, 200, 'the slow webhook is acked');
      expectEqual(runs, 1, 'its handler ran once');
      const effects = await f.effects();
      expectEqual(effects.length, 11, 'eleven effects, each once');
      expectEqual(new Set(effects).size, 11, 'none doubled');
      await first.close();
      await second.close();
    },
  );
}
