import { describe, expect, it } from 'vitest';
import type { CompletedWebhook, DeadLetter } from '../dedupe-store.js';
import { memoryStore } from './memory-store.js';
import { COMPLETIONS_PER_PROFILE } from './profile-history.js';

function letter(id: string, failedAt: number, profileId?: string): DeadLetter {
  return {
    id,
    event: 'CHECK_COMPLETED',
    webhook: { id, event: 'CHECK_COMPLETED', timestamp: 1, data: {} },
    reason: 'max-attempts',
    error: 'down',
    attempts: 1,
    failedAt,
    ...(profileId === undefined ? {} : { profileId }),
  };
}

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

  it('keeps a dead-lettered id done while its letter exists, past the retention and the size bound', async () => {
    const time = clock();
    const store = memoryStore({ now: time.now, retentionMs: 60_000, maxEntries: 2 });
    await store.claim([id('a')], { leaseMs: 1000 });
    await store.addDeadLetter(letter(id('a'), time.now()));
    time.advance(10 * 60_000);
    // Enough completions to push it out of a store that remembers two ids.
    for (const name of ['b', 'c', 'd']) {
      await store.claim([id(name)], { leaseMs: 1000 });
      await store.complete([id(name)]);
    }
    expect(await store.claim([id('a')], { leaseMs: 1000 })).toEqual([{ status: 'done' }]);
    expect(await store.claim([id('a'), id('e')], { leaseMs: 1000 })).toEqual([
      { status: 'done' },
      { status: 'claimed', attempt: 1 },
    ]);
  });

  it('remembers a deleted dead letter’s id for the retention from the delete', async () => {
    const time = clock();
    const store = memoryStore({ now: time.now, retentionMs: 60_000 });
    await store.addDeadLetter(letter(id('a'), time.now()));
    time.advance(10 * 60_000);
    expect(await store.deleteDeadLetter(id('a'))).toBe(true);
    time.advance(59_000);
    expect(await store.claim([id('a')], { leaseMs: 1000 })).toEqual([{ status: 'done' }]);
    time.advance(2000);
    expect(await store.claim([id('a')], { leaseMs: 1000 })).toEqual([
      { status: 'claimed', attempt: 1 },
    ]);
  });

  it('remembers the id of a letter dropped for room for the retention, like a deleted one', async () => {
    const time = clock();
    const store = memoryStore({ now: time.now, retentionMs: 60_000, maxDeadLetters: 1 });
    await store.addDeadLetter(letter(id('a'), time.now()));
    time.advance(10 * 60_000);
    await store.addDeadLetter(letter(id('b'), time.now()));
    expect(await store.getDeadLetter(id('a'))).toBeUndefined();
    time.advance(59_000);
    expect(await store.claim([id('a')], { leaseMs: 1000 })).toEqual([{ status: 'done' }]);
    time.advance(2000);
    expect((await store.claim([id('a')], { leaseMs: 1000 }))[0]?.status).toBe('claimed');
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

describe('memoryStore processedSince (order-safe replay)', () => {
  const done = (id: string, profileId: string, event = 'CHECK_COMPLETED'): CompletedWebhook => ({
    id,
    event,
    profileId,
  });

  it('lists a profile’s completions after a time, oldest first, with the store’s clock', async () => {
    const time = clock();
    const store = memoryStore({ now: time.now });
    await store.complete(['a'], { profiles: [done('a', 'p')] });
    const since = time.now();
    time.advance(10);
    await store.complete(['b', 'x', 'q'], {
      profiles: [done('b', 'p', 'PRODUCT_STATUS_CHANGED'), done('q', 'other')],
    });
    time.advance(10);
    await store.complete(['c'], { profiles: [done('c', 'p')] });
    expect(await store.processedSince!('p', since)).toEqual({
      count: 2,
      webhooks: [
        { id: 'b', event: 'PRODUCT_STATUS_CHANGED', processedAt: since + 10 },
        { id: 'c', event: 'CHECK_COMPLETED', processedAt: since + 20 },
      ],
    });
    expect(await store.processedSince!('p', since, { limit: 1, excluding: 'b' })).toEqual({
      count: 1,
      webhooks: [{ id: 'c', event: 'CHECK_COMPLETED', processedAt: since + 20 }],
    });
    expect(await store.processedSince!('p', since + 20)).toEqual({ count: 0, webhooks: [] });
    expect(await store.processedSince!('nobody', 0)).toEqual({ count: 0, webhooks: [] });
  });

  it('counts a webhook completed twice once, as its latest completion', async () => {
    const time = clock();
    const store = memoryStore({ now: time.now });
    await store.complete(['a'], { profiles: [done('a', 'p')] });
    time.advance(10);
    await store.complete(['b'], { profiles: [done('b', 'p')] });
    time.advance(10);
    await store.complete(['a'], { profiles: [done('a', 'p')] });
    const { count, webhooks } = await store.processedSince!('p', 0);
    expect(count).toBe(2);
    expect(webhooks.map((w) => w.id)).toEqual(['b', 'a']);
  });

  it('forgets completions after the retention', async () => {
    const time = clock();
    const store = memoryStore({ now: time.now, retentionMs: 60_000 });
    await store.complete(['a'], { profiles: [done('a', 'p')] });
    time.advance(30_000);
    await store.complete(['b'], { profiles: [done('b', 'p')] });
    time.advance(30_000);
    expect((await store.processedSince!('p', 0)).webhooks.map((w) => w.id)).toEqual(['b']);
    time.advance(30_000);
    expect(await store.processedSince!('p', 0)).toEqual({ count: 0, webhooks: [] });
  });

  it('keeps a profile’s newest 64 completions: beyond them the count is a lower bound', async () => {
    const time = clock();
    const store = memoryStore({ now: time.now });
    for (let i = 0; i < 100; i++) {
      time.advance(1);
      await store.complete([`w${i}`], { profiles: [done(`w${i}`, 'p')] });
    }
    const { count, webhooks } = await store.processedSince!('p', 0, { limit: 100 });
    expect(count).toBe(COMPLETIONS_PER_PROFILE);
    expect(webhooks[0]?.id).toBe('w36');
    expect(webhooks.at(-1)?.id).toBe('w99');
    // The default lists 20.
    expect((await store.processedSince!('p', 0)).webhooks).toHaveLength(20);
  });

  it('forgets the least recently updated profile beyond maxProfiles', async () => {
    const time = clock();
    const store = memoryStore({ now: time.now, maxProfiles: 2 });
    await store.complete(['a'], { profiles: [done('a', 'p1')] });
    await store.complete(['b'], { profiles: [done('b', 'p2')] });
    await store.complete(['c'], { profiles: [done('c', 'p1')] }); // p1 updated: p2 is the oldest
    await store.complete(['d'], { profiles: [done('d', 'p3')] });
    expect((await store.processedSince!('p2', 0)).count).toBe(0);
    expect((await store.processedSince!('p1', 0)).count).toBe(2);
    expect((await store.processedSince!('p3', 0)).count).toBe(1);
  });

  it('keeps a profile’s completions in time order when the clock is set back', async () => {
    const time = clock();
    const store = memoryStore({ now: time.now });
    await store.complete(['a'], { profiles: [done('a', 'p')] });
    time.advance(-50);
    await store.complete(['b'], { profiles: [done('b', 'p')] });
    time.advance(100);
    await store.complete(['c'], { profiles: [done('c', 'p')] });
    expect((await store.processedSince!('p', 0)).webhooks.map((w) => w.id)).toEqual([
      'b',
      'a',
      'c',
    ]);
  });

  it('refuses a maxProfiles that is not a positive integer', () => {
    expect(() => memoryStore({ maxProfiles: 0 })).toThrow(/maxProfiles/);
  });

  it('keeps a dead letter’s profileId', async () => {
    const store = memoryStore();
    await store.addDeadLetter(letter('a', 1, 'p'));
    expect((await store.getDeadLetter('a'))?.profileId).toBe('p');
  });
});
