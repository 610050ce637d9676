/**
 * The core of the contract, which every store must pass whatever it leaves out: what a claim
 * answers after complete and release, one winner between two claimers, batches of 1,000 in one
 * call, and empty batches.
 */
import type { ConformanceCase } from '../conformance-case.js';
import { expectEqual, expectTrue } from '../conformance-case.js';
import { kitLease as lease, type OpenDedupeStore, storeCase } from './store-case.js';

const ids = (count: number, prefix = 'id') =>
  Array.from({ length: count }, (_, i) => `${prefix}-${i}`);

export function claimCompleteReleaseCase(open: OpenDedupeStore): ConformanceCase {
  return storeCase(
    open,
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
        [{ status: 'done' }, { status: 'claimed', attempt: 2 }, { status: 'claimed', attempt: 1 }],
        'claim after complete, failed release and plain release',
      );
    },
  );
}

export function concurrentClaimersCase(open: OpenDedupeStore): ConformanceCase {
  return storeCase(
    open,
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
  );
}

export function largeBatchCase(open: OpenDedupeStore): ConformanceCase {
  return storeCase(
    open,
    'claims and completes a batch of 1,000 ids in one call each',
    60_000,
    async ({ store }) => {
      const batch = ids(1000, 'big');
      const claimed = await store.claim(batch, lease);
      expectEqual(claimed.filter((o) => o.status === 'claimed').length, 1000, 'claimed');
      await store.complete(batch);
      const again = await store.claim(batch, lease);
      expectTrue(
        again.every((o) => o.status === 'done'),
        'every id is done',
      );
    },
  );
}

export function emptyBatchesCase(open: OpenDedupeStore): ConformanceCase {
  return storeCase(open, 'accepts empty batches', 60_000, async ({ store }) => {
    expectEqual(await store.claim([], { leaseMs: 1000 }), [], 'empty claim');
    await store.complete([]);
    await store.release([]);
  });
}
