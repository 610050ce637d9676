import { describe, expect, it } from 'vitest';
import { memoryStore } from './memory-store.js';

function clock(start = 1_000_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

describe('memoryStore', () => {
  it('claims new ids, reports done ones after complete, and counts attempts', async () => {
    const store = memoryStore();
    expect(await store.claim(['a', 'b'], { leaseMs: 1000 })).toEqual([
      { status: 'claimed', attempt: 1 },
      { status: 'claimed', attempt: 1 },
    ]);
    await store.complete(['a']);
    await store.release(['b'], { failed: true });
    expect(await store.claim(['a', 'b'], { leaseMs: 1000 })).toEqual([
      { status: 'done' },
      { status: 'claimed', attempt: 2 },
    ]);
  });

  it('takes the attempt back when ids are released without having run', async () => {
    const store = memoryStore();
    await store.claim(['a'], { leaseMs: 1000 });
    await store.release(['a']);
    expect(await store.claim(['a'], { leaseMs: 1000 })).toEqual([
      { status: 'claimed', attempt: 1 },
    ]);
  });

  it('reports an id under a live claim as busy, and frees it when the lease expires', async () => {
    const time = clock();
    const store = memoryStore({ now: time.now });
    await store.claim(['a'], { leaseMs: 5000 });
    expect(await store.claim(['a'], { leaseMs: 5000 })).toEqual([{ status: 'busy' }]);
    time.advance(5001);
    expect(await store.claim(['a'], { leaseMs: 5000 })).toEqual([
      { status: 'claimed', attempt: 2 },
    ]);
  });

  it('forgets completed ids after the retention', async () => {
    const time = clock();
    const store = memoryStore({ now: time.now, retentionMs: 60_000 });
    await store.claim(['a'], { leaseMs: 1000 });
    await store.complete(['a']);
    time.advance(59_000);
    expect(await store.claim(['a'], { leaseMs: 1000 })).toEqual([{ status: 'done' }]);
    time.advance(2000);
    expect(await store.claim(['a'], { leaseMs: 1000 })).toEqual([
      { status: 'claimed', attempt: 1 },
    ]);
  });

  it('never remembers more than maxEntries completed ids, forgetting the oldest first', async () => {
    const store = memoryStore({ maxEntries: 3 });
    for (const id of ['a', 'b', 'c', 'd']) {
      await store.claim([id], { leaseMs: 1000 });
      await store.complete([id]);
    }
    const outcomes = await store.claim(['a', 'b', 'c', 'd'], { leaseMs: 1000 });
    expect(outcomes.map((o) => o.status)).toEqual(['claimed', 'done', 'done', 'done']);
  });

  it('claims a batch of 1,000 ids in one call', async () => {
    const store = memoryStore();
    const ids = Array.from({ length: 1000 }, (_, i) => `id-${i}`);
    const outcomes = await store.claim(ids, { leaseMs: 1000 });
    expect(outcomes.every((o) => o.status === 'claimed')).toBe(true);
    await store.complete(ids);
    expect((await store.claim(ids, { leaseMs: 1000 })).every((o) => o.status === 'done')).toBe(
      true,
    );
  });
});
