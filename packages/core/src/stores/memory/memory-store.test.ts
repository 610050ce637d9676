import { describe, expect, it } from 'vitest';
import { memoryStore } from './memory-store.js';

function clock(start = 1_000_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

// Passfort's ids are UUIDs, kept in a typed-array table; any other id in Maps. Both ways
// must behave the same, so every case runs with both.
const plain = (name: string) => name;
const uuid = (name: string) =>
  `00000000-0000-4000-8000-${Buffer.from(name).toString('hex').padStart(12, '0')}`;

describe.each([
  ['other ids', plain],
  ['UUID ids', uuid],
])('memoryStore with %s', (_, id) => {
  it('claims new ids, reports done ones after complete, and counts attempts', async () => {
    const store = memoryStore();
    expect(await store.claim([id('a'), id('b')], { leaseMs: 1000 })).toEqual([
      { status: 'claimed', attempt: 1 },
      { status: 'claimed', attempt: 1 },
    ]);
    await store.complete([id('a')]);
    await store.release([id('b')], { failed: true });
    expect(await store.claim([id('a'), id('b')], { leaseMs: 1000 })).toEqual([
      { status: 'done' },
      { status: 'claimed', attempt: 2 },
    ]);
  });

  it('takes the attempt back when ids are released without having run', async () => {
    const store = memoryStore();
    await store.claim([id('a')], { leaseMs: 1000 });
    await store.release([id('a')]);
    expect(await store.claim([id('a')], { leaseMs: 1000 })).toEqual([
      { status: 'claimed', attempt: 1 },
    ]);
  });

  it('reports an id under a live claim as busy, and frees it when the lease expires', async () => {
    const time = clock();
    const store = memoryStore({ now: time.now });
    await store.claim([id('a')], { leaseMs: 5000 });
    expect(await store.claim([id('a')], { leaseMs: 5000 })).toEqual([{ status: 'busy' }]);
    time.advance(5001);
    expect(await store.claim([id('a')], { leaseMs: 5000 })).toEqual([
      { status: 'claimed', attempt: 2 },
    ]);
  });

  it('forgets completed ids after the retention', async () => {
    const time = clock();
    const store = memoryStore({ now: time.now, retentionMs: 60_000 });
    await store.claim([id('a')], { leaseMs: 1000 });
    await store.complete([id('a')]);
    time.advance(59_000);
    expect(await store.claim([id('a')], { leaseMs: 1000 })).toEqual([{ status: 'done' }]);
    time.advance(2000);
    expect(await store.claim([id('a')], { leaseMs: 1000 })).toEqual([
      { status: 'claimed', attempt: 1 },
    ]);
  });

  it('never remembers more than maxEntries completed ids, forgetting the oldest first', async () => {
    const store = memoryStore({ maxEntries: 3 });
    for (const name of ['a', 'b', 'c', 'd']) {
      await store.claim([id(name)], { leaseMs: 1000 });
      await store.complete([id(name)]);
    }
    const outcomes = await store.claim([id('a'), id('b'), id('c'), id('d')], { leaseMs: 1000 });
    expect(outcomes.map((o) => o.status)).toEqual(['claimed', 'done', 'done', 'done']);
  });

  it('claims a batch of 1,000 ids in one call', async () => {
    const store = memoryStore();
    const ids = Array.from({ length: 1000 }, (_, i) => id(`id-${i}`));
    const outcomes = await store.claim(ids, { leaseMs: 1000 });
    expect(outcomes.every((o) => o.status === 'claimed')).toBe(true);
    await store.complete(ids);
    expect((await store.claim(ids, { leaseMs: 1000 })).every((o) => o.status === 'done')).toBe(
      true,
    );
  });
});

describe('memoryStore bounds on claims', () => {
  it.each([
    ['other ids', plain],
    ['UUID ids', uuid],
  ])('keeps at most maxEntries claims that were never completed (%s)', async (_, id) => {
    const time = clock();
    const store = memoryStore({ maxEntries: 4, now: time.now });
    const names = ['a', 'b', 'c', 'd', 'e', 'f'];
    for (const name of names) {
      await store.claim([id(name)], { leaseMs: 1000 });
      await store.release([id(name)], { failed: true });
    }
    time.advance(200);
    await store.claim([id('g')], { leaseMs: 60_000 });
    // The live claim made at the sweep is held.
    expect(await store.claim([id('g')], { leaseMs: 1000 })).toEqual([{ status: 'busy' }]);
    // A kept claim counts its failed attempt: this is its second. A forgotten one starts over.
    const again = await store.claim(names.map(id), { leaseMs: 1000 });
    const kept = again.filter((o) => o.status === 'claimed' && o.attempt === 2).length;
    expect(kept).toBeLessThanOrEqual(4);
    expect(again.every((o) => o.status === 'claimed')).toBe(true);
  });
});

describe('memoryStore claiming a batch that mixes UUIDs and other ids', () => {
  it('answers each id in its own place, as claiming them one by one would', async () => {
    const ids = Array.from({ length: 150 }, (_, i) =>
      i % 3 === 0 ? `other-${i}` : uuid(`m${i.toString(16)}`),
    );
    const batched = memoryStore();
    const single = memoryStore();
    // Some done, some claimed, before the batch.
    for (const id of ids.filter((_, i) => i % 5 === 0)) {
      for (const store of [batched, single]) {
        await store.claim([id], { leaseMs: 60_000 });
        await store.complete([id]);
      }
    }
    for (const id of ids.filter((_, i) => i % 7 === 1)) {
      for (const store of [batched, single]) await store.claim([id], { leaseMs: 60_000 });
    }
    const all = await batched.claim(ids, { leaseMs: 60_000 });
    const oneByOne = [];
    for (const id of ids) oneByOne.push(...(await single.claim([id], { leaseMs: 60_000 })));
    expect(all).toEqual(oneByOne);
    expect(all.filter((o) => o.status === 'done')).toHaveLength(30);
    expect(all.filter((o) => o.status === 'busy').length).toBeGreaterThan(0);
    expect(all.filter((o) => o.status === 'claimed').length).toBeGreaterThan(90);
  });
});
