/**
 * Dead-letter replay of a handler that uses `ctx.transaction`: the effect already committed is
 * found, even after the retention has passed, so the replay runs only what rolled back.
 */
import { type ConformanceCase, expectEqual, expectMatch, sleep } from '../conformance-case.js';
import { kitWebhook, kitWebhookId } from '../kit-webhooks.js';
import { kitReceiver, send } from './kit-receiver.js';
import { transactionCase } from './transaction-case.js';
import type { OpenTransactionalStore } from './transactional-store-fixture.js';

export function replayCase<Tx>(open: OpenTransactionalStore<Tx>): ConformanceCase {
  return transactionCase(
    open,
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
  );
}

export function replayAfterRetentionCase<Tx>(open: OpenTransactionalStore<Tx>): ConformanceCase {
  return transactionCase(
    open,
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
  );
}
