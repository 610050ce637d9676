/**
 * The behaviour every DedupeStore must have, run against each implementation over its
 * real backend. `open` gives a fresh, empty store with the given retention; `openAnother`
 * (optional) a second store on another connection to the same data, for concurrency.
 */
import type { DeadLetter, DedupeStore } from '@passfort-webhooks/core';
import { describe, expect, it } from 'vitest';

export interface StoreFixture {
  store: DedupeStore;
  /** A second store over another connection to the same data. */
  another(): Promise<DedupeStore>;
  cleanup(): Promise<void>;
}

export type OpenStore = (options: { retentionMs: number }) => Promise<StoreFixture>;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
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

export function describeDedupeStore(name: string, open: OpenStore): void {
  describe(`${name} (DedupeStore conformance)`, () => {
    async function withStore(retentionMs: number, run: (fixture: StoreFixture) => Promise<void>) {
      const fixture = await open({ retentionMs });
      try {
        await run(fixture);
      } finally {
        await fixture.cleanup();
      }
    }

    it('claims new ids, then reports them done after complete and claimable after release', () =>
      withStore(60_000, async ({ store }) => {
        expect(await store.claim(['a', 'b', 'c'], { leaseMs: 30_000 })).toEqual([
          { status: 'claimed', attempt: 1 },
          { status: 'claimed', attempt: 1 },
          { status: 'claimed', attempt: 1 },
        ]);
        await store.complete(['a']);
        await store.release(['b'], { failed: true });
        await store.release(['c']);
        expect(await store.claim(['a', 'b', 'c'], { leaseMs: 30_000 })).toEqual([
          { status: 'done' },
          { status: 'claimed', attempt: 2 },
          { status: 'claimed', attempt: 1 },
        ]);
      }));

    it('reports an id under a live claim as busy, and lets it be claimed again once the lease expires', () =>
      withStore(60_000, async ({ store }) => {
        await store.claim(['a'], { leaseMs: 300 });
        expect(await store.claim(['a'], { leaseMs: 300 })).toEqual([{ status: 'busy' }]);
        await sleep(450);
        expect(await store.claim(['a'], { leaseMs: 300 })).toEqual([
          { status: 'claimed', attempt: 2 },
        ]);
      }));

    it('forgets completed ids once the retention has passed', () =>
      withStore(400, async ({ store }) => {
        await store.claim(['a'], { leaseMs: 30_000 });
        await store.complete(['a']);
        expect(await store.claim(['a'], { leaseMs: 30_000 })).toEqual([{ status: 'done' }]);
        await sleep(600);
        expect(await store.claim(['a'], { leaseMs: 30_000 })).toEqual([
          { status: 'claimed', attempt: 1 },
        ]);
      }));

    it('gives each id to exactly one of two concurrent claimers', () =>
      withStore(60_000, async ({ store, another }) => {
        const other = await another();
        const batch = ids(200, 'race');
        const [first, second] = await Promise.all([
          store.claim(batch, { leaseMs: 30_000 }),
          other.claim(batch, { leaseMs: 30_000 }),
        ]);
        batch.forEach((_, i) => {
          const statuses = [first[i]?.status, second[i]?.status].sort();
          expect(statuses).toEqual(['busy', 'claimed']);
        });
        await other.close?.();
      }));

    it('claims and completes a batch of 1,000 ids in one call each', () =>
      withStore(60_000, async ({ store }) => {
        const batch = ids(1000, 'big');
        const claimed = await store.claim(batch, { leaseMs: 30_000 });
        expect(claimed.filter((o) => o.status === 'claimed')).toHaveLength(1000);
        await store.complete(batch);
        const again = await store.claim(batch, { leaseMs: 30_000 });
        expect(again.every((o) => o.status === 'done')).toBe(true);
      }));

    it('stores dead letters, marks their ids done, lists them oldest first, and deletes them', () =>
      withStore(60_000, async ({ store }) => {
        await store.claim(['x', 'y'], { leaseMs: 30_000 });
        await store.addDeadLetter(letter('y', 2000));
        await store.addDeadLetter(letter('x', 1000));
        expect(await store.claim(['x', 'y'], { leaseMs: 30_000 })).toEqual([
          { status: 'done' },
          { status: 'done' },
        ]);
        expect(await store.countDeadLetters()).toBe(2);
        expect((await store.listDeadLetters()).map((l) => l.id)).toEqual(['x', 'y']);
        expect(await store.getDeadLetter('x')).toEqual(letter('x', 1000));
        expect(await store.deleteDeadLetter('x')).toBe(true);
        expect(await store.deleteDeadLetter('x')).toBe(false);
        expect(await store.getDeadLetter('x')).toBeUndefined();
        expect(await store.listDeadLetters({ limit: 10 })).toEqual([letter('y', 2000)]);
      }));

    it('accepts empty batches', () =>
      withStore(60_000, async ({ store }) => {
        expect(await store.claim([], { leaseMs: 1000 })).toEqual([]);
        await store.complete([]);
        await store.release([]);
      }));
  });
}
