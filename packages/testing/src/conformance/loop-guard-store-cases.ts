import { createLoopGuard, type LoopGuardStore } from '@passfort-webhooks/core';
import { type ConformanceCase, expectEqual, sleep } from './conformance-case.js';
import type { StoreFixture } from './dedupe-store-cases.js';

/** Opens a fresh, empty loop-guard store. */
export type OpenLoopGuardStore = () => Promise<StoreFixture<LoopGuardStore>>;

/** What our own API client wrote to a profile, as the loop guard fingerprints it. */
const written = {
  entity_type: 'INDIVIDUAL',
  address_history: [{ address: { type: 'STRUCTURED', country: 'GBR', route: 'Main St' } }],
  contact_details: { email: 'ada@example.com' },
};

/**
 * The `LoopGuardStore` contract as cases, run against a real backend: a fingerprint is
 * remembered per profile until its ttl, several recent writes per profile are kept, a
 * second connection sees the first one's writes, and `createLoopGuard` over the store
 * recognises Passfort's echo of our own write and nothing else.
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
    c('remembers a fingerprint for its profile only', async ({ store }) => {
      await store.remember('p-1', 'f-1', 60_000);
      expectEqual(await store.isRemembered('p-1', 'f-1'), true, 'the same profile and fingerprint');
      expectEqual(await store.isRemembered('p-1', 'f-2'), false, 'another fingerprint');
      expectEqual(await store.isRemembered('p-2', 'f-1'), false, 'another profile');
    }),
    c('forgets a fingerprint once its ttl has passed', async ({ store }) => {
      await store.remember('p-1', 'f-1', 200);
      expectEqual(await store.isRemembered('p-1', 'f-1'), true, 'within the ttl');
      await sleep(400);
      expectEqual(await store.isRemembered('p-1', 'f-1'), false, 'after the ttl');
    }),
    c('renews the ttl when the same fingerprint is remembered again', async ({ store }) => {
      await store.remember('p-1', 'f-1', 400);
      await sleep(250);
      await store.remember('p-1', 'f-1', 400);
      await sleep(250);
      expectEqual(await store.isRemembered('p-1', 'f-1'), true, 'renewed');
    }),
    c('keeps several recent writes of one profile', async ({ store }) => {
      for (let i = 0; i < 8; i++) await store.remember('p-1', `f-${i}`, 60_000);
      for (let i = 0; i < 8; i++) {
        expectEqual(await store.isRemembered('p-1', `f-${i}`), true, `write ${i}`);
      }
    }),
    c('shares what it remembers with a second connection', async ({ store, another }) => {
      const other = await another();
      try {
        await store.remember('p-1', 'f-1', 60_000);
        expectEqual(await other.isRemembered('p-1', 'f-1'), true, 'seen by the other');
      } finally {
        if (other !== store) await other.close?.();
      }
    }),
    c(
      'lets createLoopGuard recognise the echo of our own write, despite Passfort-added keys',
      async ({ store }) => {
        const guard = createLoopGuard({ store });
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
          'no user key',
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
