import type { LoopGuardStore } from '@passfort-webhooks/core/store';
import { createLoopGuard } from '@passfort-webhooks/core/sync';
import { type ConformanceCase, expectEqual, sleep } from './conformance-case.js';
import type { StoreFixture } from './store-fixture.js';

/** Opens a fresh, empty loop-guard store. */
export type OpenLoopGuardStore = () => Promise<StoreFixture<LoopGuardStore>>;

/** What our own API client wrote to a profile, as the loop guard fingerprints it. */
const written = {
  entity_type: 'INDIVIDUAL',
  address_history: [{ address: { type: 'STRUCTURED', country: 'GBR', route: 'Main St' } }],
  contact_details: { email: 'ada@example.com' },
};

const withDocuments = (count: number) => ({
  ...written,
  documents: Array.from({ length: count }, (_, i) => ({ id: `doc-${i}`, category: 'X' })),
});

/**
 * The `LoopGuardStore` contract as cases, run against a real backend: a write is remembered
 * per profile until its ttl, whatever the number of writes after it (a burst of 200 keeps
 * every one); one echo uses one write up, and a redelivery of the same webhook is
 * recognised again without using up another; a forgotten attempt is gone and `confirm`
 * never brings back a write that was used up, forgotten or expired; concurrent `take`s never
 * share a write; a second connection sees the first one's writes. Over the store,
 * `createLoopGuard` recognises each echo of our own writes that landed exactly once, and
 * nothing else: not a person's change, not another profile, not an attempt answered 412.
 *
 * @example
 * const cases = loopGuardStoreConformanceCases(async () => {
 *   const store = myLoopGuardStore({ prefix });
 *   return { store, another: async () => myLoopGuardStore({ prefix }), cleanup: () => store.drop() };
 * });
 * for (const check of cases) it(check.name, check.run);
 */
export function loopGuardStoreConformanceCases(open: OpenLoopGuardStore): ConformanceCase[] {
  const c = (
    name: string,
    run: (fixture: StoreFixture<LoopGuardStore>) => Promise<void>,
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
  return [
    c('remembers a write for its profile and fingerprint only', async ({ store }) => {
      await store.remember('p-1', 'w-1', 'f-1', 60_000);
      expectEqual(await store.take('p-1', 'f-2'), false, 'another fingerprint');
      expectEqual(await store.take('p-2', 'f-1'), false, 'another profile');
      expectEqual(await store.take('p-1', 'f-1'), true, 'the same profile and fingerprint');
    }),
    c(
      'lets one echo use a write up, and two writes of the same data two echoes',
      async ({ store }) => {
        await store.remember('p-1', 'w-1', 'f-1', 60_000);
        expectEqual(await store.take('p-1', 'f-1'), true, 'the echo');
        expectEqual(await store.take('p-1', 'f-1'), false, 'a second webhook with the same data');
        await store.remember('p-1', 'w-2', 'f-2', 60_000);
        await store.remember('p-1', 'w-3', 'f-2', 60_000);
        expectEqual(await store.take('p-1', 'f-2'), true, 'the first write’s echo');
        expectEqual(await store.take('p-1', 'f-2'), true, 'the second write’s echo');
        expectEqual(await store.take('p-1', 'f-2'), false, 'a third webhook with that data');
      },
    ),
    c(
      'recognises a redelivered webhook again without using up another write',
      async ({ store }) => {
        await store.remember('p-1', 'w-1', 'f-1', 60_000);
        await store.remember('p-1', 'w-2', 'f-1', 60_000);
        expectEqual(await store.take('p-1', 'f-1', 'hook-1'), true, 'the echo');
        expectEqual(
          await store.take('p-1', 'f-1', 'hook-1'),
          true,
          'the same webhook, redelivered',
        );
        expectEqual(await store.take('p-1', 'f-1', 'hook-2'), true, 'the second write’s echo');
        expectEqual(await store.take('p-1', 'f-1', 'hook-3'), false, 'a third webhook');
      },
    ),
    c('keeps every write of a burst of 200 for one profile', async ({ store }) => {
      await Promise.all(
        Array.from({ length: 200 }, (_, i) => store.remember('p-1', `w-${i}`, `f-${i}`, 60_000)),
      );
      const found = await Promise.all(
        Array.from({ length: 200 }, (_, i) => store.take('p-1', `f-${i}`)),
      );
      expectEqual(found.filter(Boolean).length, 200, 'writes whose echo is recognised');
    }),
    c('never lets two concurrent takes use up the same write', async ({ store, another }) => {
      const other = await another();
      try {
        await store.remember('p-1', 'w-1', 'f-1', 60_000);
        const found = await Promise.all(
          Array.from({ length: 10 }, (_, i) =>
            (i % 2 === 0 ? store : other).take('p-1', 'f-1', `hook-${i}`),
          ),
        );
        expectEqual(found.filter(Boolean).length, 1, 'takes that found the one write');
      } finally {
        if (other !== store) await other.close?.();
      }
    }),
    c('forgets a write once its ttl has passed', async ({ store }) => {
      await store.remember('p-1', 'w-1', 'f-1', 200);
      await store.remember('p-1', 'w-2', 'f-2', 60_000);
      await sleep(400);
      expectEqual(await store.take('p-1', 'f-1'), false, 'after the ttl');
      expectEqual(await store.take('p-1', 'f-2'), true, 'a write still within its ttl');
    }),
    c('forgets an attempt that never landed', async ({ store }) => {
      await store.remember('p-1', 'w-1', 'f-1', 60_000);
      await store.forget('p-1', 'w-1');
      await store.forget('p-1', 'w-unknown');
      expectEqual(await store.take('p-1', 'f-1'), false, 'a forgotten attempt');
    }),
    c('confirms a pending write with what was stored and a new ttl', async ({ store }) => {
      await store.remember('p-1', 'w-1', 'f-sent', 300);
      await store.confirm('p-1', 'w-1', 'f-stored', 60_000);
      await sleep(500);
      expectEqual(await store.take('p-1', 'f-sent'), false, 'the data that was sent');
      expectEqual(await store.take('p-1', 'f-stored'), true, 'the data Passfort stored');
    }),
    c('never brings back a used-up, forgotten or expired write on confirm', async ({ store }) => {
      await store.remember('p-1', 'w-used', 'f-1', 60_000);
      expectEqual(await store.take('p-1', 'f-1'), true, 'its echo, before the answer');
      await store.confirm('p-1', 'w-used', 'f-1', 60_000);
      expectEqual(await store.take('p-1', 'f-1'), false, 'used up');
      await store.remember('p-1', 'w-forgotten', 'f-2', 60_000);
      await store.forget('p-1', 'w-forgotten');
      await store.confirm('p-1', 'w-forgotten', 'f-2', 60_000);
      expectEqual(await store.take('p-1', 'f-2'), false, 'forgotten');
      await store.remember('p-1', 'w-expired', 'f-3', 100);
      await sleep(300);
      await store.confirm('p-1', 'w-expired', 'f-3', 60_000);
      expectEqual(await store.take('p-1', 'f-3'), false, 'expired');
    }),
    c('shares what it remembers with a second connection', async ({ store, another }) => {
      const other = await another();
      try {
        await store.remember('p-1', 'w-1', 'f-1', 60_000);
        expectEqual(await other.take('p-1', 'f-1'), true, 'used up through the other');
        expectEqual(await store.take('p-1', 'f-1'), false, 'and so used up for the first');
      } finally {
        if (other !== store) await other.close?.();
      }
    }),
    c(
      'lets createLoopGuard recognise the echo of our own write once, despite Passfort-added keys',
      async ({ store }) => {
        const guard = createLoopGuard({ store });
        await guard.rememberWrite('p-1', written);
        await guard.rememberWrite('p-1', written);
        const echoed = structuredClone(written) as typeof written & Record<string, unknown>;
        (echoed.address_history[0]!.address as Record<string, unknown>)[
          'original_freeform_address'
        ] = 'Main St';
        expectEqual(
          await guard.isEcho({ profile_id: 'p-1', new_data: echoed, user: null }),
          true,
          'user null',
        );
        expectEqual(
          await guard.isEcho({ profile_id: 'p-1', new_data: echoed }),
          true,
          'no user key (the second write)',
        );
        expectEqual(
          await guard.isEcho({ profile_id: 'p-1', new_data: echoed, user: null }),
          false,
          'another API client writing the same data again',
        );
      },
    ),
    c(
      'lets createLoopGuard recognise every landed write of a burst and no attempt answered 412',
      async ({ store }) => {
        // Eight writers racing, as updateCollectedData runs them: every attempt is recorded
        // as pending, the one that lands in each round is confirmed, the others get a 412.
        const guard = createLoopGuard({ store });
        let documents = 0;
        const rejected: unknown[] = [];
        for (let round = 8; round > 0; round--) {
          const attempts = await Promise.all(
            Array.from({ length: round }, (_, writer) => {
              const data = { ...withDocuments(documents + 1), writer };
              return guard.beginWrite('p-1', data).then((pending) => ({ data, pending }));
            }),
          );
          await attempts[0]!.pending.landed();
          for (const { data, pending } of attempts.slice(1)) {
            rejected.push(data);
            await pending.failed();
          }
          documents++;
        }
        expectEqual(rejected.length, 28, 'attempts answered 412');
        for (let landed = 1; landed <= 8; landed++) {
          const echo = { ...withDocuments(landed), writer: 0 };
          expectEqual(
            await guard.isEcho({ profile_id: 'p-1', new_data: echo, user: null }),
            true,
            `the echo of write ${landed}`,
          );
        }
        for (const data of rejected) {
          expectEqual(
            await guard.isEcho({ profile_id: 'p-1', new_data: data, user: null }),
            false,
            'the data of an attempt that never landed, written later by someone else',
          );
        }
      },
    ),
    c(
      'lets createLoopGuard recognise an echo that overtakes its answer, and what Passfort stored',
      async ({ store }) => {
        const guard = createLoopGuard({ store });
        const early = await guard.beginWrite('p-1', written);
        expectEqual(
          await guard.isEcho({ profile_id: 'p-1', new_data: written, user: null }),
          true,
          'the echo, before the 200',
        );
        await early.landed(written);
        expectEqual(
          await guard.isEcho({ profile_id: 'p-1', new_data: written, user: null }),
          false,
          'used up: the answer does not bring it back',
        );
        const trimmed = { ...written, contact_details: { email: 'ada@example.com ' } };
        const pending = await guard.beginWrite('p-1', trimmed);
        await pending.landed(written);
        expectEqual(
          await guard.isEcho({ profile_id: 'p-1', new_data: written, user: null }),
          true,
          'the echo of what Passfort stored rather than what was sent',
        );
      },
    ),
    c(
      'never lets createLoopGuard take a person’s change, another profile, or different data for an echo',
      async ({ store }) => {
        const guard = createLoopGuard({ store });
        await guard.rememberWrite('p-1', written);
        const user = { email: 'a@b.c', id: 'u', name: 'A' };
        expectEqual(
          await guard.isEcho({ profile_id: 'p-1', new_data: written, user }),
          false,
          'a person',
        );
        expectEqual(
          await guard.isEcho({ profile_id: 'p-2', new_data: written, user: null }),
          false,
          'another profile',
        );
        const changed = { ...written, contact_details: { email: 'other@example.com' } };
        expectEqual(
          await guard.isEcho({ profile_id: 'p-1', new_data: changed, user: null }),
          false,
          'different data',
        );
      },
    ),
  ];
}
