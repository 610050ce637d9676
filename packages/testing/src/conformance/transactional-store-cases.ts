import {
  createPassfortWebhooks,
  type DedupeStore,
  type PassfortWebhooksOptions,
  type TransactionalStore,
  type WebhookResponse,
} from '@passfort-webhooks/core';
import {
  type ConformanceCase,
  expectEqual,
  expectMatch,
  expectTrue,
  sleep,
} from './conformance-case.js';
import type { StoreFixture } from './dedupe-store-cases.js';
import { KIT_SECRET, kitBatch, kitHeaders, kitWebhook, kitWebhookId } from './kit-webhooks.js';

/**
 * A fresh transactional store for one case, and a table of effects in the same database: a
 * table *without* a unique constraint, so a doubled effect shows up as a second row.
 */
export interface TransactionalStoreFixture<Tx> extends StoreFixture<TransactionalStore<Tx>> {
  /** Inserts one effect row for webhook `id` through the transaction's connection `tx`. */
  insertEffect(tx: Tx, id: string): Promise<void>;
  /** The committed effect rows' webhook ids, in insertion order, read outside any transaction. */
  effects(): Promise<string[]>;
}

/** Opens a fresh, migrated transactional store and an empty effects table. */
export type OpenTransactionalStore<Tx> = () => Promise<TransactionalStoreFixture<Tx>>;

/**
 * The contract of `ctx.transaction` (the transactional inbox) as cases, run through a real
 * receiver against a real database: the effect and its record commit together, a failure
 * inside rolls both back, a failure after the commit retries without a second effect, one
 * transaction per webhook, a late second claimer commits nothing, the deadline, dead-letter
 * replay and queue delivery. Run it beside `dedupeStoreConformanceCases` for a SQL store.
 *
 * @example
 * const cases = transactionalStoreConformanceCases<pg.PoolClient>(async () => {
 *   const store = postgresStore({ pool, table });
 *   await store.migrate();
 *   await pool.query('CREATE TABLE effects (seq serial, webhook_id text)');
 *   return {
 *     store,
 *     another: async () => postgresStore({ pool: new pg.Pool(config), table }),
 *     insertEffect: async (tx, id) => void (await tx.query('INSERT INTO effects (webhook_id) VALUES ($1)', [id])),
 *     effects: async () => (await pool.query('SELECT webhook_id FROM effects ORDER BY seq')).rows.map((r) => r.webhook_id),
 *     cleanup: async () => { await pool.query('DROP TABLE effects'); },
 *   };
 * });
 * for (const check of cases) it(check.name, check.run);
 */
export function transactionalStoreConformanceCases<Tx>(
  open: OpenTransactionalStore<Tx>,
): ConformanceCase[] {
  const c = (
    name: string,
    run: (fixture: TransactionalStoreFixture<Tx>) => Promise<void>,
  ): ConformanceCase => ({
    name,
    async run() {
      const fixture = await open();
      try {
        await run(fixture);
      } finally {
        await fixture.cleanup();
      }
    },
  });

  const kitReceiver = <S extends DedupeStore>(
    store: S,
    options: Partial<PassfortWebhooksOptions<S>> = {},
  ) =>
    createPassfortWebhooks({
      secret: KIT_SECRET,
      logger: false,
      ...options,
      store,
    } as PassfortWebhooksOptions<S>);
  const send = (
    webhooks: {
      handle(request: {
        method: string;
        headers: Record<string, string>;
        body: string;
      }): Promise<WebhookResponse>;
    },
    body: unknown,
  ) => webhooks.handle({ method: 'POST', headers: kitHeaders(), body: JSON.stringify(body) });

  return [
    c(
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
    ),

    c(
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
        expectTrue(
          (await send(webhooks, webhook)).status !== 200,
          'the failed attempt is not acked',
        );
        expectEqual(await f.effects(), [], 'the rolled-back effect is gone');
        expectEqual((await send(webhooks, webhook)).status, 200, 'the redelivery is acked');
        expectEqual(await f.effects(), [webhook.id], 'the effect exists once');
        expectEqual(attempts, [1, 2], 'the handler ran once per delivery');
        await webhooks.close();
      },
    ),

    c(
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
    ),

    c('one transaction per webhook: a second call rejects with a ConfigurationError', async (f) => {
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
    }),

    c(
      'a second claimer after the first lease ended waits for the first transaction and commits nothing',
      async (f) => {
        // Leases of 200 ms and no renewal: the second receiver takes the claim while the first
        // one's transaction is still open.
        const withoutRenewal = ({ renew: _renew, ...store }: TransactionalStore<Tx>) => store;
        const first = kitReceiver(withoutRenewal(f.store), { leaseMs: 200 });
        const second = kitReceiver(withoutRenewal(await f.another()), { leaseMs: 200 });
        const values: unknown[] = [];
        first.on('PRODUCT_STATUS_CHANGED', async (event, ctx) => {
          values.push(
            await ctx.transaction(async (tx) => {
              await f.insertEffect(tx, event.id);
              await sleep(1_500);
              return 'first';
            }),
          );
        });
        second.on('PRODUCT_STATUS_CHANGED', async (event, ctx) => {
          values.push(
            await ctx.transaction(async (tx) => {
              await f.insertEffect(tx, event.id);
              return 'second';
            }),
          );
        });
        const webhook = kitWebhook(kitWebhookId(4));
        const firstAnswer = send(first, webhook);
        await sleep(500);
        const secondAnswer = await send(second, webhook);
        expectEqual((await firstAnswer).status, 200, 'the first delivery is acked');
        expectEqual(secondAnswer.status, 200, 'the second delivery is acked');
        expectEqual(await f.effects(), [webhook.id], 'one effect, the first one');
        expectEqual(
          values,
          ['first', 'first'],
          'the second transaction returned the first one’s value',
        );
        await first.close();
        await second.close();
      },
    ),

    c(
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
        expectEqual(
          (await send(webhooks, webhook)).status,
          503,
          'a redelivery meanwhile is refused',
        );
        let last: WebhookResponse | undefined;
        for (let tries = 0; tries < 50 && last?.status !== 200; tries++) {
          await sleep(100);
          last = await send(webhooks, webhook);
        }
        expectMatch(
          last?.counts,
          { duplicates: 1 },
          'once committed, the redelivery is a duplicate',
        );
        expectEqual(await f.effects(), [webhook.id], 'the effect exists once');
        expectEqual(runs, 1, 'the handler ran once');
        await webhooks.close();
      },
    ),

    c(
      'replay runs a rolled-back dead letter’s transaction and skips a committed one’s',
      async (f) => {
        const webhooks = kitReceiver(f.store, { maxAttempts: 1 });
        let replaying = false;
        const committed = kitWebhook(kitWebhookId(6));
        const rolledBack = kitWebhook(kitWebhookId(7));
        webhooks.on('PRODUCT_STATUS_CHANGED', async (event, ctx) => {
          await ctx.transaction(async (tx) => {
            await f.insertEffect(tx, event.id);
            if (event.id === rolledBack.id && !replaying) throw new Error('rolled back');
          });
          if (!replaying) throw new Error('failed after the commit');
        });
        const answer = await send(webhooks, [committed, rolledBack]);
        expectMatch(answer.counts, { deadLettered: 2 }, 'both are dead-lettered');
        expectEqual(await f.effects(), [committed.id], 'only the committed effect exists');
        replaying = true;
        await webhooks.deadLetters.replay(committed.id);
        await webhooks.deadLetters.replay(rolledBack.id);
        expectEqual(await f.effects(), [committed.id, rolledBack.id], 'each effect exists once');
        expectEqual(await webhooks.deadLetters.list(), [], 'replayed dead letters are removed');
        await webhooks.close();
      },
    ),

    c(
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
    ),

    c(
      'concurrent transactOnce calls for one id commit one effect and return the same value',
      async (f) => {
        const other = await f.another();
        const id = kitWebhookId(20);
        const results = await Promise.all(
          [f.store, other, f.store].map((store, n) =>
            store.transactOnce(id, async (tx) => {
              await f.insertEffect(tx, id);
              await sleep(100);
              return n;
            }),
          ),
        );
        expectEqual(await f.effects(), [id], 'one effect');
        expectTrue(
          results.every((value) => value === results[0]),
          'every caller got the committed value',
        );
      },
    ),
  ];
}
