import { createPassfortWebhooks, type PassfortWebhooksOptions } from '@passfort-webhooks/core';
import type { WebhookResponse } from '@passfort-webhooks/core/adapter';
import type { DedupeStore, TransactionalStore } from '@passfort-webhooks/core/store';
import {
  type ConformanceCase,
  expectEqual,
  expectMatch,
  expectTrue,
  sleep,
} from '../conformance-case.js';
import { KIT_SECRET, kitBatch, kitHeaders, kitWebhook, kitWebhookId } from '../kit-webhooks.js';
import type { StoreFixture } from '../store-fixture.js';

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

/**
 * Opens a fresh, migrated transactional store and an empty effects table. `retentionMs`, when
 * given, is how long the store remembers completed ids (the retention cases pass a short one).
 */
export type OpenTransactionalStore<Tx> = (options?: {
  retentionMs?: number;
}) => Promise<TransactionalStoreFixture<Tx>>;

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
  options: {
    /**
     * The database has one writer at a time (SQLite): while a transaction is open nobody else
     * writes, so nobody can take its claim over, and a redelivery during it waits for it to
     * end, then finds the webhook in progress or done. The two cases about a transaction that
     * outlives its lease then check that outcome (one effect, one run, the redelivery not
     * processed) instead of a takeover and an immediate 503.
     * @default false
     */
    singleWriter?: boolean;
  } = {},
): ConformanceCase[] {
  const singleWriter = options.singleWriter === true;
  /** A redelivery that found the webhook in progress (503) or already done (200, a duplicate). */
  const notProcessedAgain = (answer: WebhookResponse) =>
    answer.status === 503
      ? JSON.parse(answer.body).error?.code === 'IN_PROGRESS'
      : answer.status === 200 && answer.counts?.duplicates === 1;
  const c = (
    name: string,
    run: (fixture: TransactionalStoreFixture<Tx>) => Promise<void>,
    options?: { retentionMs?: number },
  ): ConformanceCase => ({
    name,
    async run() {
      const fixture = await open(options);
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
    ),

    c(
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
        // Both are about one profile; replayed in Passfort's order, neither supersedes the other.
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

    c(
      'a dead letter replayed after the retention has passed finds its effect: fn runs 0 more times',
      async (f) => {
        // The retention is 300 ms here; in production 7 days, and dead letters wait that long.
        const webhooks = kitReceiver(f.store, { maxAttempts: 1 });
        let failAfterCommit = true;
        let runs = 0;
        webhooks.on('PRODUCT_STATUS_CHANGED', async (event, ctx) => {
          await ctx.transaction(async (tx) => {
            runs++;
            await f.insertEffect(tx, event.id);
          });
          if (failAfterCommit && event.id === letter.id) throw new Error('the e-mail failed');
        });
        const letter = kitWebhook(kitWebhookId(30));
        const control = kitWebhook(kitWebhookId(31));
        const answer = await send(webhooks, [letter, control]);
        expectMatch(answer.counts, { deadLettered: 1, processed: 1 }, 'one letter, one done');
        await sleep(700);
        await (f.store as { prune?(): Promise<number> }).prune?.();
        const again = await send(webhooks, control);
        expectMatch(
          again.counts,
          { processed: 1 },
          'the retention has passed: a completed id is forgotten',
        );
        failAfterCommit = false;
        await webhooks.deadLetters.replay(letter.id, { ifSuperseded: 'run' });
        expectEqual(
          (await f.effects()).filter((id) => id === letter.id),
          [letter.id],
          'the replay found the committed effect: fn did not run again',
        );
        expectEqual(runs, 3, 'fn ran for the letter once, and for the control twice');
        expectMatch(
          (await send(webhooks, letter)).counts,
          { duplicates: 1 },
          'a redelivery of the replayed webhook is a duplicate',
        );
        await webhooks.close();
      },
      { retentionMs: 300 },
    ),

    c(
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
    ),

    c(
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
    ),

    c('the connection cannot be used once fn has settled, nor given back by fn', async (f) => {
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
    }),

    c(
      'isolation: an unknown level is refused; racing callers at serializable all resolve to the recorded value',
      async (f) => {
        const id = kitWebhookId(80);
        let refused = '';
        await f.store
          .transactOnce(id, async () => 1, {
            isolation: 'snapshot' as unknown as 'serializable',
          })
          .catch((error: Error) => {
            refused = error.name;
          });
        expectEqual(refused, 'ConfigurationError', 'an unknown isolation level is refused');
        const other = await f.another();
        const results = await Promise.all(
          [f.store, other, f.store, other].map((store, n) =>
            store.transactOnce(
              id,
              async (tx) => {
                await f.insertEffect(tx, id);
                await sleep(50);
                return { n };
              },
              { isolation: n % 2 === 0 ? 'serializable' : 'repeatable read' },
            ),
          ),
        );
        expectEqual(await f.effects(), [id], 'one effect');
        expectTrue(
          results.every((value) => JSON.stringify(value) === JSON.stringify(results[0])),
          `every caller resolved to the recorded value (${JSON.stringify(results)})`,
        );
      },
    ),
  ];
}
