import type { CompletedWebhook, DeadLetter, DedupeStore } from '@passfort-webhooks/core';
import {
  type ConformanceCase,
  expectEqual,
  expectMatch,
  expectTrue,
  sleep,
} from './conformance-case.js';

/** A fresh, empty store for one case, and how to clean up after it. */
export interface StoreFixture<S> {
  store: S;
  /**
   * A second store over another connection to the same data, as another process would
   * open it (for the memory store, the same object).
   */
  another(): Promise<S>;
  /** Removes what the case wrote and closes what `open` opened. */
  cleanup(): Promise<void>;
}

/** Opens a fresh, empty dedupe store that forgets completed ids after `retentionMs`. */
export type OpenDedupeStore = (options: {
  retentionMs: number;
}) => Promise<StoreFixture<DedupeStore>>;

const ids = (count: number, prefix = 'id') =>
  Array.from({ length: count }, (_, i) => `${prefix}-${i}`);

function letter(id: string, failedAt: number): DeadLetter {
  return {
    id,
    event: 'CHECK_COMPLETED',
    webhook: { id, event: 'CHECK_COMPLETED', timestamp: 1, data: { profile_id: 'p' } },
    reason: 'max-attempts',
    error: 'database down',
    attempts: 8,
    failedAt,
  };
}

/** Ends a case that does not apply to the store, once the test runner was told. */
const SKIPPED = Symbol('skipped');

/**
 * Marks the running case skipped, with `reason`, through the runner's test context when it
 * passes one (vitest's `ctx.skip(note)` throws to end the test; node:test's `t.skip(message)`
 * returns, and the case then ends); another runner gets a warning and sees the case pass.
 */
function skipCase(context: unknown, name: string, reason: string): never {
  const skip = (context as { skip?: unknown } | undefined)?.skip;
  if (typeof skip === 'function') skip.call(context, reason);
  else console.warn(`[passfort-webhooks] conformance case skipped: ${name}: ${reason}`);
  throw SKIPPED;
}

/**
 * The `DedupeStore` contract as cases, run against a real backend: batch claims with
 * leases, completion, release (with and without counting a failed attempt), retention,
 * exactly one winner between two concurrent claimers, batches of 1,000, dead letters (their
 * ids kept done while they exist, whatever the retention; their `profileId`), and, for a store
 * that has the optional `processedSince`, the completions it lists for order-safe replay.
 *
 * A case for an optional method the store does not implement is skipped with its reason:
 * through the test context's `skip(note)` when the runner passes one to the test function
 * (vitest, node:test), else with a console warning.
 *
 * @example
 * const cases = dedupeStoreConformanceCases(async ({ retentionMs }) => {
 *   const store = myStore({ retentionMs, prefix: `test-${crypto.randomUUID()}` });
 *   return { store, another: async () => myStore({ retentionMs, prefix }), cleanup: () => store.drop() };
 * });
 * for (const check of cases) it(check.name, check.run);
 */
export function dedupeStoreConformanceCases(
  open: OpenDedupeStore,
  options: {
    /**
     * Whether the store implements the optional `renew` (short, renewed leases). Say `false`
     * for a store without it: the receiver then keeps long leases.
     * @default true
     */
    leaseRenewal?: boolean;
  } = {},
): ConformanceCase[] {
  const c = (
    name: string,
    retentionMs: number,
    run: (fixture: StoreFixture<DedupeStore>, skip: (reason: string) => never) => Promise<void>,
  ): ConformanceCase => ({
    name,
    // The runner's test context, when it passes one, arrives as the first argument; a rest
    // parameter keeps the function's length 0, so Jest does not take it for a done callback.
    async run(...runner: unknown[]) {
      const fixture = await open({ retentionMs });
      try {
        await run(fixture, (reason) => skipCase(runner[0], name, reason));
      } catch (error) {
        if (error !== SKIPPED) throw error;
      } finally {
        await fixture.cleanup();
      }
    },
  });
  const lease = { leaseMs: 30_000 };
  const renewal = c(
    'renews a live claim’s lease, and neither revives an ended lease nor touches a done id',
    60_000,
    async ({ store }) => {
      if (store.renew === undefined) {
        throw new Error('the store has no renew(): pass { leaseRenewal: false } if it is meant to');
      }
      await store.claim(['a', 'b', 'c'], { leaseMs: 1_000 });
      await store.complete(['c']);
      await sleep(400);
      await store.renew(['a', 'c'], { leaseMs: 2_500 });
      await sleep(800); // b's lease has ended; a's, renewed, has not
      expectEqual(
        await store.claim(['a', 'b', 'c'], { leaseMs: 1_000 }),
        [{ status: 'busy' }, { status: 'claimed', attempt: 2 }, { status: 'done' }],
        'after renewing a and c',
      );
      await store.claim(['d'], { leaseMs: 100 });
      await sleep(250);
      await store.renew(['d'], { leaseMs: 30_000 });
      expectEqual(
        await store.claim(['d'], { leaseMs: 400 }),
        [{ status: 'claimed', attempt: 2 }],
        'an ended lease is not revived',
      );
    },
  );
  return [
    ...(options.leaseRenewal === false ? [] : [renewal]),
    c(
      'claims new ids, then reports them done after complete and claimable after release',
      60_000,
      async ({ store }) => {
        expectEqual(
          await store.claim(['a', 'b', 'c'], lease),
          [
            { status: 'claimed', attempt: 1 },
            { status: 'claimed', attempt: 1 },
            { status: 'claimed', attempt: 1 },
          ],
          'first claim',
        );
        await store.complete(['a']);
        await store.release(['b'], { failed: true });
        await store.release(['c']);
        expectEqual(
          await store.claim(['a', 'b', 'c'], lease),
          [
            { status: 'done' },
            { status: 'claimed', attempt: 2 },
            { status: 'claimed', attempt: 1 },
          ],
          'claim after complete, failed release and plain release',
        );
      },
    ),
    c(
      'reports an id under a live claim as busy, and lets it be claimed again once the lease expires',
      60_000,
      async ({ store }) => {
        await store.claim(['a'], { leaseMs: 300 });
        expectEqual(
          await store.claim(['a'], { leaseMs: 300 }),
          [{ status: 'busy' }],
          'under lease',
        );
        await sleep(450);
        expectEqual(
          await store.claim(['a'], { leaseMs: 300 }),
          [{ status: 'claimed', attempt: 2 }],
          'after the lease',
        );
      },
    ),
    c('forgets completed ids once the retention has passed', 400, async ({ store }) => {
      await store.claim(['a'], lease);
      await store.complete(['a']);
      expectEqual(await store.claim(['a'], lease), [{ status: 'done' }], 'within retention');
      await sleep(600);
      expectEqual(
        await store.claim(['a'], lease),
        [{ status: 'claimed', attempt: 1 }],
        'after retention',
      );
    }),
    c(
      'gives each id to exactly one of two concurrent claimers',
      60_000,
      async ({ store, another }) => {
        const other = await another();
        try {
          const batch = ids(200, 'race');
          const [first, second] = await Promise.all([
            store.claim(batch, lease),
            other.claim(batch, lease),
          ]);
          batch.forEach((id, i) => {
            const statuses = [first[i]?.status, second[i]?.status].sort();
            expectEqual(statuses, ['busy', 'claimed'], `who got ${id}`);
          });
        } finally {
          if (other !== store) await other.close?.();
        }
      },
    ),
    c('claims and completes a batch of 1,000 ids in one call each', 60_000, async ({ store }) => {
      const batch = ids(1000, 'big');
      const claimed = await store.claim(batch, lease);
      expectEqual(claimed.filter((o) => o.status === 'claimed').length, 1000, 'claimed');
      await store.complete(batch);
      const again = await store.claim(batch, lease);
      expectTrue(
        again.every((o) => o.status === 'done'),
        'every id is done',
      );
    }),
    c(
      'stores dead letters, marks their ids done, lists them oldest first, and deletes them',
      60_000,
      async ({ store }) => {
        await store.claim(['x', 'y'], lease);
        await store.addDeadLetter(letter('y', 2000));
        await store.addDeadLetter(letter('x', 1000));
        expectEqual(
          await store.claim(['x', 'y'], lease),
          [{ status: 'done' }, { status: 'done' }],
          'dead-lettered ids are done',
        );
        expectEqual(await store.countDeadLetters(), 2, 'count');
        expectEqual(
          (await store.listDeadLetters()).map((l) => l.id),
          ['x', 'y'],
          'oldest first',
        );
        expectEqual(await store.getDeadLetter('x'), letter('x', 1000), 'get');
        expectEqual(await store.deleteDeadLetter('x'), true, 'delete');
        expectEqual(await store.deleteDeadLetter('x'), false, 'delete again');
        expectEqual(await store.getDeadLetter('x'), undefined, 'get after delete');
        expectEqual(
          await store.listDeadLetters({ limit: 10 }),
          [letter('y', 2000)],
          'list after delete',
        );
      },
    ),
    c(
      'keeps a dead-lettered id done past the retention while its letter exists, then for the retention from its delete',
      400,
      async ({ store }) => {
        await store.claim(['x'], lease);
        await store.addDeadLetter(letter('x', Date.now()));
        await sleep(700);
        expectEqual(
          await store.claim(['x'], lease),
          [{ status: 'done' }],
          'past the retention, while its letter exists (a redelivery must not run what may be replayed)',
        );
        expectEqual(await store.deleteDeadLetter('x'), true, 'delete');
        expectEqual(
          await store.claim(['x'], lease),
          [{ status: 'done' }],
          'right after the delete: remembered for the retention from then',
        );
        await sleep(700);
        expectEqual(
          (await store.claim(['x'], lease)).map((outcome) => outcome.status),
          ['claimed'],
          'a retention after the delete',
        );
      },
    ),
    c('keeps a dead letter’s profileId', 60_000, async ({ store }) => {
      const named: DeadLetter = { ...letter('x', 1000), profileId: 'profile-9' };
      await store.addDeadLetter(named);
      await store.addDeadLetter(letter('y', 2000));
      expectEqual(await store.getDeadLetter('x'), named, 'get: the profileId is kept');
      expectEqual(
        await store.getDeadLetter('y'),
        letter('y', 2000),
        'get: a letter without one has none',
      );
      expectEqual(await store.listDeadLetters(), [named, letter('y', 2000)], 'list');
    }),
    c(
      'processedSince (optional): counts and lists a profile’s completions after a time, oldest first, excluding one id, within a limit, and no other profile’s',
      60_000,
      async ({ store }, skip) => {
        if (store.processedSince === undefined) {
          return skip(
            'the store has no processedSince() (optional): a replayed dead letter cannot learn that newer webhooks for its profile superseded it',
          );
        }
        const processedSince = store.processedSince.bind(store);
        const done = (
          id: string,
          profileId: string,
          event = 'CHECK_COMPLETED',
        ): CompletedWebhook => ({
          id,
          event,
          profileId,
        });
        await store.claim(['a', 'b', 'c', 'd', 'e', 'f'], lease);
        await store.complete(['a'], { profiles: [done('a', 'P')] });
        const first = await processedSince('P', 0);
        expectMatch(
          first,
          {
            count: 1,
            webhooks: [{ id: 'a', event: 'CHECK_COMPLETED', processedAt: Number.isInteger }],
          },
          'one completion, with its time in epoch ms (the store’s clock)',
        );
        const since = first.webhooks[0]!.processedAt;
        // Apart by more than a millisecond, so every store's clock orders them.
        await sleep(20);
        await store.complete(['b'], { profiles: [done('b', 'P', 'PRODUCT_STATUS_CHANGED')] });
        await sleep(20);
        // Several in one call: profiles mixed, and an id (f) that names none.
        await store.complete(['c', 'e', 'f'], { profiles: [done('c', 'P'), done('e', 'Q')] });
        await sleep(20);
        await store.complete(['d'], { profiles: [done('d', 'P')] });
        const after = await processedSince('P', since);
        expectEqual(after.count, 3, 'b, c and d came after a');
        expectEqual(
          after.webhooks.map(({ id, event }) => [id, event]),
          [
            ['b', 'PRODUCT_STATUS_CHANGED'],
            ['c', 'CHECK_COMPLETED'],
            ['d', 'CHECK_COMPLETED'],
          ],
          'oldest first, with their events',
        );
        const times = [since, ...after.webhooks.map((webhook) => webhook.processedAt)];
        expectTrue(
          times.every((at, i) => i === 0 || at > times[i - 1]!),
          `processedAt grows with each completion: ${times.join(', ')}`,
        );
        expectEqual(
          await processedSince('P', since, { excluding: 'c', limit: 1 }),
          { count: 2, webhooks: [after.webhooks[0]] },
          'c left out, one listed, both counted',
        );
        expectEqual(
          await processedSince('P', times[3]!),
          { count: 0, webhooks: [] },
          'strictly after: not the completion at `since` itself',
        );
        expectEqual(
          (await processedSince('Q', 0)).webhooks.map((webhook) => webhook.id),
          ['e'],
          'another profile’s',
        );
        expectEqual(
          await processedSince('nobody', 0),
          { count: 0, webhooks: [] },
          'a profile never seen',
        );
        // A replayed letter is filed where it stands in Passfort's order, not now.
        await store.claim(['g'], lease);
        await store.complete(['g'], { profiles: [{ ...done('g', 'P'), processedAt: since + 1 }] });
        const filed = await processedSince('P', since);
        expectEqual(
          filed.webhooks.map((webhook) => [webhook.id, webhook.processedAt]),
          [['g', since + 1], ...after.webhooks.map((webhook) => [webhook.id, webhook.processedAt])],
          'a completion given processedAt is listed at that time, before the later ones',
        );
        expectEqual((await processedSince('P', times[3]!)).count, 0, 'and not after the newest');
      },
    ),
    c('accepts empty batches', 60_000, async ({ store }) => {
      expectEqual(await store.claim([], { leaseMs: 1000 }), [], 'empty claim');
      await store.complete([]);
      await store.release([]);
    }),
  ];
}
