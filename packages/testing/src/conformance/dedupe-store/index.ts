import { createPassfortWebhooks } from '@passfort-webhooks/core';
import type { CompletedWebhook, DeadLetter, DedupeStore } from '@passfort-webhooks/core/store';
import {
  type ConformanceCase,
  expectEqual,
  expectMatch,
  expectTrue,
  sleep,
} from '../conformance-case.js';
import { KIT_SECRET, kitHeaders, kitWebhook, kitWebhookId } from '../kit-webhooks.js';

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
 * Then the edges: owners (another owner's complete, release and renew refused; a delivery
 * paused past its lease cannot complete what another took over, and its receiver logs it),
 * runs counted as they start (`starts: 'first'`, `started`: a crash costs an attempt to the
 * webhook that was running only), fingerprints kept with a claim, and leases that a wall
 * clock set forward in this process does not end.
 *
 * A case for an optional method the store does not implement is skipped with its reason:
 * through the test context's `skip(note)` when the runner passes one to the test function
 * (vitest, node:test), else with a console warning. So is a case of an optional part of the
 * contract the store says it leaves out (`owners`, `runCounting`, `fingerprints`: false).
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
    /**
     * Whether the store checks owners (`ClaimOptions.owner`): `false` skips those cases, and a
     * delivery paused past its lease can then complete what another delivery took over.
     * @default true
     */
    owners?: boolean;
    /**
     * Whether the store counts runs as `ClaimOptions.starts` and `CompleteOptions.started` say:
     * `false` skips that case, and a crash then costs every claimed webhook an attempt.
     * @default true
     */
    runCounting?: boolean;
    /**
     * Whether the store keeps fingerprints (`ClaimOptions.fingerprints`): `false` skips that
     * case, and an id arriving with another payload is not told apart from a redelivery.
     * @default true
     */
    fingerprints?: boolean;
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
  /** A case of an optional part of the contract, skipped when the store says it leaves it out. */
  const part = (
    included: boolean | undefined,
    reason: string,
    name: string,
    retentionMs: number,
    run: (fixture: StoreFixture<DedupeStore>) => Promise<void>,
  ) =>
    c(name, retentionMs, async (fixture, skip) => {
      if (included === false) skip(reason);
      await run(fixture);
    });
  const noOwners =
    'the store does not check owners (optional): a delivery paused past its lease can complete what another delivery took over';
  const refusedOf = (result: unknown) =>
    (result as { refused?: readonly string[] } | undefined)?.refused ?? [];
  const clockStep: ConformanceCase = {
    name: 'a wall clock set forward in this process ends no lease: no second concurrent claim',
    // Date.now is stepped from before the store opens, so that a store reading it (or keeping
    // a reference to it) sees the step, as it would see NTP or a resumed VM step the clock.
    async run() {
      const realNow = Date.now;
      let step = 0;
      Date.now = () => realNow() + step;
      try {
        const fixture = await open({ retentionMs: 60_000 });
        try {
          const { store } = fixture;
          await store.claim(['stepped'], { leaseMs: 5_000, owner: 'running' });
          step = 10_000;
          expectEqual(
            await store.claim(['stepped'], { leaseMs: 5_000, owner: 'second' }),
            [{ status: 'busy' }],
            'the clock jumped 10 s past a 5 s lease taken a moment ago: still busy',
          );
        } finally {
          step = 0;
          await fixture.cleanup();
        }
      } finally {
        Date.now = realNow;
      }
    },
  };
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
        // Profiles are told apart by exact bytes, as ids are: case and a trailing space count.
        await store.claim(['h', 'i'], lease);
        await store.complete(['h', 'i'], {
          profiles: [done('h', 'prof-abc'), done('i', 'PROF-ABC ')],
        });
        expectEqual(
          (await processedSince('prof-abc', 0)).webhooks.map((webhook) => webhook.id),
          ['h'],
          'profiles compared by exact bytes',
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
    part(
      options.owners,
      noOwners,
      'refuses another owner’s complete, release and renew of a claim; its holder’s own, and calls that name no owner, still work',
      60_000,
      async ({ store }) => {
        const held = { leaseMs: 30_000, owner: 'owner-a' };
        await store.claim(['a', 'b', 'c'], held);
        expectEqual(
          refusedOf(await store.complete(['a'], { owner: 'owner-b' })),
          ['a'],
          'complete by another owner: refused, and reported',
        );
        await store.release(['b'], { owner: 'owner-b' });
        expectEqual(
          await store.claim(['a', 'b'], { leaseMs: 30_000, owner: 'owner-c' }),
          [{ status: 'busy' }, { status: 'busy' }],
          'still held by their owner after the refused complete and release',
        );
        if (store.renew !== undefined) {
          await store.claim(['d'], { leaseMs: 400, owner: 'owner-a' });
          await store.renew(['d'], { leaseMs: 30_000, owner: 'owner-b' });
          await sleep(600);
          expectEqual(
            (await store.claim(['d'], { leaseMs: 30_000, owner: 'owner-c' })).map((o) => o.status),
            ['claimed'],
            'renew by another owner did not extend the lease',
          );
        }
        expectEqual(
          refusedOf(await store.complete(['a'], { owner: 'owner-a' })),
          [],
          'complete by the holder',
        );
        await store.release(['b'], { owner: 'owner-a' });
        expectEqual(refusedOf(await store.complete(['c'])), [], 'complete naming no owner');
        expectEqual(
          (await store.claim(['a', 'b', 'c'], { leaseMs: 30_000, owner: 'owner-c' })).map(
            (o) => o.status,
          ),
          ['done', 'claimed', 'done'],
          'after the holder’s complete and release',
        );
      },
    ),
    part(
      options.owners,
      noOwners,
      'a delivery paused past its lease: once another owner claimed the id its late completion is refused, even after that owner completed it; a lapsed lease nobody took over can still be completed',
      60_000,
      async ({ store, another }) => {
        const other = await another();
        try {
          await store.claim(['late', 'lapsed'], { leaseMs: 300, owner: 'paused' });
          await sleep(500); // the process froze past its lease
          expectEqual(
            (await other.claim(['late'], { leaseMs: 30_000, owner: 'taker' })).map((o) => o.status),
            ['claimed'],
            'the redelivery takes the lapsed claim over',
          );
          expectEqual(
            refusedOf(await store.complete(['late', 'lapsed'], { owner: 'paused' })),
            ['late'],
            'the paused delivery resumes: its completion of the taken-over id is refused',
          );
          expectEqual(
            await other.claim(['late', 'lapsed'], { leaseMs: 30_000, owner: 'third' }),
            [{ status: 'busy' }, { status: 'done' }],
            'the taker still holds it; the id nobody took over is done',
          );
          expectEqual(
            refusedOf(await other.complete(['late'], { owner: 'taker' })),
            [],
            'the taker completes it',
          );
          expectEqual(
            refusedOf(await store.complete(['late'], { owner: 'paused' })),
            ['late'],
            'a late completion after the taker completed it is refused too',
          );
        } finally {
          if (other !== store) await other.close?.();
        }
      },
    ),
    part(
      options.owners,
      noOwners,
      'a paused receiver’s late completion is refused and logged, and it does not answer 200 for it',
      60_000,
      async ({ store }) => {
        // No renewals, and a short lease: the receiver stands for a process frozen past it.
        const { renew: _renew, ...unrenewed } = store;
        const warnings: { fields: unknown; message: string }[] = [];
        const webhooks = createPassfortWebhooks({
          secret: KIT_SECRET,
          store: unrenewed,
          leaseMs: 300,
          logger: {
            warn: (fields: unknown, message?: string) =>
              void warnings.push({ fields, message: message ?? '' }),
          },
        });
        let resume = () => {};
        let started = () => {};
        const running = new Promise<void>((resolve) => {
          started = resolve;
        });
        webhooks.onAny(async () => {
          started();
          await new Promise<void>((resolve) => {
            resume = resolve;
          });
        });
        const webhook = kitWebhook(kitWebhookId(900));
        const answer = webhooks.handle({
          method: 'POST',
          headers: kitHeaders(),
          body: JSON.stringify(webhook),
        });
        await running;
        await sleep(500); // past the lease
        expectEqual(
          (await store.claim([webhook.id], { leaseMs: 30_000, owner: 'another-receiver' })).map(
            (o) => o.status,
          ),
          ['claimed'],
          'another receiver takes the claim over',
        );
        resume();
        const response = await answer;
        expectTrue(
          response.status !== 200,
          `the paused receiver does not ack it (${response.status})`,
        );
        expectTrue(
          warnings.some(
            ({ fields, message }) =>
              /completion refused/.test(message) && JSON.stringify(fields).includes(webhook.id),
          ),
          `the refusal is logged with the id (${JSON.stringify(warnings)})`,
        );
        expectEqual(
          (await store.claim([webhook.id], { leaseMs: 30_000, owner: 'third' })).map(
            (o) => o.status,
          ),
          ['busy'],
          'the receiver that took it over still holds it',
        );
        await webhooks.close();
      },
    ),
    part(
      options.runCounting,
      'the store counts every claimed id as a run (optional): a crash costs every webhook of the batch an attempt',
      'counts a run as it starts: with starts: first only ids[0]; a started mark once; a failed release counts a run not counted, an unstarted one takes a counted run back',
      60_000,
      async ({ store }) => {
        const claimFirst = (list: string[], owner: string, leaseMs = 300) =>
          store.claim(list, { leaseMs, owner, starts: 'first' });
        const attempts = (outcomes: readonly { status: string; attempt?: number }[]) =>
          outcomes.map((o) => (o.status === 'claimed' ? o.attempt : o.status));
        expectEqual(attempts(await claimFirst(['a', 'b', 'c'], 'crashed-1')), [1, 1, 1], 'first');
        await sleep(500); // the process died while running a: nothing was released
        expectEqual(
          attempts(await claimFirst(['a', 'b', 'c'], 'crashed-2')),
          [2, 1, 1],
          'the crash cost an attempt to a only: b and c never ran',
        );
        await store.complete(['a'], { owner: 'crashed-2', started: 'b' });
        await store.complete([], { owner: 'crashed-2', started: 'b' });
        await sleep(500); // b ran (counted once, whatever the marks), and the process died
        expectEqual(
          attempts(await claimFirst(['b', 'c'], 'third', 30_000)),
          [2, 1],
          'b’s run was counted once; c still never ran',
        );
        await store.release(['c'], { failed: true, owner: 'third' });
        await store.release(['b'], { owner: 'third' });
        expectEqual(
          attempts(await claimFirst(['b', 'c'], 'fourth', 30_000)),
          [2, 2],
          'c’s failed run counted by its release; b’s unstarted claim taken back',
        );
        await store.complete([], { owner: 'someone-else', started: 'c' });
        await store.release(['c'], { owner: 'fourth' });
        expectEqual(
          attempts(await store.claim(['c'], { leaseMs: 30_000, owner: 'fifth' })),
          [2],
          'another owner’s started mark counted nothing',
        );
      },
    ),
    part(
      options.fingerprints,
      'the store keeps no fingerprints (optional): an id arriving with another payload is not told apart from a redelivery',
      'reports the fingerprint a done id was claimed with, and none for an id claimed without one',
      60_000,
      async ({ store }) => {
        await store.claim(['f1', 'f2'], {
          ...lease,
          fingerprints: ['CHECK_COMPLETED#0000abcd', 'any string a store keeps as it is'],
        });
        await store.claim(['f4'], lease);
        await store.complete(['f1', 'f2', 'f4']);
        expectEqual(
          await store.claim(['f1', 'f2', 'f4'], {
            ...lease,
            fingerprints: ['RISK_SCORE_CHANGED#00000001', 'another', 'X#00000002'],
          }),
          [
            { status: 'done', fingerprint: 'CHECK_COMPLETED#0000abcd' },
            { status: 'done', fingerprint: 'any string a store keeps as it is' },
            { status: 'done' },
          ],
          'the processed claim’s fingerprints, never the new ones',
        );
      },
    ),
    clockStep,
    c('accepts empty batches', 60_000, async ({ store }) => {
      expectEqual(await store.claim([], { leaseMs: 1000 }), [], 'empty claim');
      await store.complete([]);
      await store.release([]);
    }),
  ];
}
