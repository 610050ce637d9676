/**
 * What a lease promises: a live claim is busy to everyone else, renewal extends only a live
 * one, and only the time that really passed ends it, not a wall clock stepped forward.
 */
import type { ConformanceCase } from '../conformance-case.js';
import { expectEqual, sleep } from '../conformance-case.js';
import { type OpenDedupeStore, storeCase } from './store-case.js';

/** Left out of the kit when the store has no `renew` (`leaseRenewal: false`). */
export function leaseRenewalCase(open: OpenDedupeStore): ConformanceCase {
  return storeCase(
    open,
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
}

export function leaseExpiryCase(open: OpenDedupeStore): ConformanceCase {
  return storeCase(
    open,
    'reports an id under a live claim as busy, and lets it be claimed again once the lease expires',
    60_000,
    async ({ store }) => {
      await store.claim(['a'], { leaseMs: 300 });
      expectEqual(await store.claim(['a'], { leaseMs: 300 }), [{ status: 'busy' }], 'under lease');
      await sleep(450);
      expectEqual(
        await store.claim(['a'], { leaseMs: 300 }),
        [{ status: 'claimed', attempt: 2 }],
        'after the lease',
      );
    },
  );
}

/** Not built on `storeCase`: the clock must be stepped from before the store opens. */
export function clockStepCase(open: OpenDedupeStore): ConformanceCase {
  return {
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
}
