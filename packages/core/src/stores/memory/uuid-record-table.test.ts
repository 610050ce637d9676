import { describe, expect, it } from 'vitest';
import { DoneIds } from './done-ids.js';
import { CLAIM_BUSY, CLAIM_DONE, UuidRecordTable } from './uuid-record-table.js';
import { uuidWords } from './uuid-words.js';

function randomUuid(random: () => number): string {
  const hex = Array.from({ length: 32 }, () => Math.floor(random() * 16).toString(16)).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

function seeded(seed: number): () => number {
  return () => {
    seed = (Math.imul(seed ^ (seed >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) | 0;
    return ((seed >>> 0) % 1_000_000) / 1_000_000;
  };
}

describe('uuidWords', () => {
  it('reads lower-case canonical UUIDs only', () => {
    const words = new Uint32Array(4);
    expect(uuidWords('33bae6b8-5689-b96b-143c-06e93ab8527e', words)).toBe(true);
    expect([...words]).toEqual([0x33bae6b8, 0x5689b96b, 0x143c06e9, 0x3ab8527e]);
    expect(uuidWords('33BAE6B8-5689-B96B-143C-06E93AB8527E', words)).toBe(false);
    expect(uuidWords('not-a-uuid', words)).toBe(false);
    // 36 characters but not canonical: a dash moved, a non-hex digit, braces.
    expect(uuidWords('33bae6b85-689-b96b-143c-06e93ab8527e', words)).toBe(false);
    expect(uuidWords('33bae6b8-5689-b96b-143c-06e93ab8527g', words)).toBe(false);
    expect(uuidWords('{3bae6b8-5689-b96b-143c-06e93ab8527}', words)).toBe(false);
    // Upper case or a non-ASCII character in any group, including those split by a dash.
    expect(uuidWords('33bae6b8-5689-b96B-143c-06e93ab8527e', words)).toBe(false);
    expect(uuidWords('33bae6b8-5689-b96b-143c-06é93ab8527e', words)).toBe(false);
    expect(uuidWords('33bae6b8-5689-b96b-1\u00a03c-06e93ab8527e', words)).toBe(false);
    expect(uuidWords('ffffffff-ffff-ffff-ffff-ffffffffffff', words)).toBe(true);
    expect([...words]).toEqual([0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff]);
  });
});

/**
 * Random sets (a share `setShare` of the steps) and deletes on a table and on a Map side by
 * side, over a pool of `poolSize` ids; every id is looked up in both each `checkEvery` steps
 * and at the end.
 */
function runAgainstMap(
  seed: number,
  poolSize: number,
  steps: number,
  setShare: number,
  checkEvery = steps,
) {
  const random = seeded(seed);
  const table = new UuidRecordTable();
  const model = new Map<string, number>();
  const pool = Array.from({ length: poolSize }, () => randomUuid(random));
  const words = new Uint32Array(4);
  const checkAll = () => {
    expect(table.size).toBe(model.size);
    for (const id of pool) {
      uuidWords(id, words);
      expect(table.get(words)).toBe(model.get(id));
    }
  };
  for (let step = 1; step <= steps; step++) {
    const id = pool[Math.floor(random() * pool.length)]!;
    uuidWords(id, words);
    if (random() < setShare) {
      const expiry = 1 + Math.floor(random() * 1000);
      table.set(words, expiry);
      model.set(id, expiry);
    } else {
      expect(table.delete(words)).toBe(model.delete(id));
    }
    if (step % checkEvery === 0) checkAll();
  }
}

describe('UuidRecordTable', () => {
  it('behaves like a Map under random sets, deletes and re-sets, through resizes', () => {
    runAgainstMap(42, 5000, 60_000, 0.7);
  });

  it('finds every key after deletions in long clusters that wrap around the end', () => {
    // 511 ids in the smallest table (1024 slots) keep it just under half full, where
    // linear probing's clusters are longest: every delete shifts some of them back.
    runAgainstMap(7, 511, 40_000, 0.6, 1000);
  });

  it('removes the oldest live entries first', () => {
    const table = new UuidRecordTable();
    const ids = Array.from(
      { length: 3000 },
      (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
    );
    const words = new Uint32Array(4);
    ids.forEach((id, i) => {
      uuidWords(id, words);
      table.set(words, i + 1);
    });
    uuidWords(ids[0]!, words);
    table.delete(words);
    table.prune(1000, Number.POSITIVE_INFINITY);
    expect(table.size).toBe(2000);
    expect(table.oldestExpiry()).toBe(1001);
    // Then by count: the oldest go first, whatever their expiry.
    table.prune(0, 500);
    expect(table.size).toBe(500);
    expect(table.oldestExpiry()).toBe(2501);
    uuidWords(ids[2499]!, words);
    expect(table.get(words)).toBeUndefined();
    uuidWords(ids[2500]!, words);
    expect(table.get(words)).toBe(2501);
  });
});

describe('UuidRecordTable claims', () => {
  const words = new Uint32Array(4);
  const key = (i: number) => {
    uuidWords(`00000000-0000-4000-8000-${String(i).padStart(12, '0')}`, words);
    return words;
  };

  it('claims an id in place: busy under its lease, counted again once it ended, done once set', () => {
    const table = new UuidRecordTable();
    const at = 1_700_000_000_000;
    expect(table.claim(key(1), at, 1000, 0)).toBe(1);
    expect(table.claims).toBe(1);
    expect(table.size).toBe(0);
    expect(table.get(key(1))).toBeUndefined();
    expect(table.claim(key(1), at + 999, 1000, 0)).toBe(CLAIM_BUSY);
    expect(table.claim(key(1), at + 1000, 1000, 0)).toBe(2);
    table.set(key(1), 50);
    expect(table.claims).toBe(0);
    expect(table.size).toBe(1);
    expect(table.claim(key(1), at + 2000, 1000, 49)).toBe(CLAIM_DONE);
    // Expired at tick 50: claimed afresh, and no longer a done record.
    expect(table.claim(key(1), at + 2000, 1000, 50)).toBe(1);
    expect(table.size).toBe(0);
    expect(table.claims).toBe(1);
  });

  it('ends a lease on release, taking the attempt back unless the handlers failed', () => {
    const table = new UuidRecordTable();
    const at = 1_700_000_000_000;
    table.claim(key(1), at, 60_000, 0);
    table.release(key(1), false);
    expect(table.claim(key(1), at + 1, 60_000, 0)).toBe(1);
    table.release(key(1), true);
    expect(table.claim(key(1), at + 2, 60_000, 0)).toBe(2);
    // Releasing an id that is done or absent changes nothing.
    table.set(key(2), 10);
    table.release(key(2), false);
    table.release(key(3), false);
    expect(table.get(key(2))).toBe(10);
    expect(table.claims).toBe(1);
  });

  it('survives a clock set back: the lease stays short, a done record stays done', () => {
    const table = new UuidRecordTable();
    const at = 1_700_000_000_000;
    table.claim(key(1), at, 1000, 0);
    // Set back by a minute: the new claim's lease ends at once instead of wrapping around.
    expect(table.claim(key(2), at - 60_000, 1000, 0)).toBe(1);
    expect(table.claim(key(2), at, 1000, 0)).toBe(2);
    table.set(key(3), -5);
    expect(table.get(key(3))).toBe(1);
    expect(table.size).toBe(1);
  });

  it('keeps leases right across the 24-day moves of its lease base', () => {
    const table = new UuidRecordTable();
    let at = 1_700_000_000_000;
    table.claim(key(1), at, 60_000, 0);
    table.claim(key(2), at, 40 * 86_400_000, 0);
    at += 30 * 86_400_000;
    // key(3)'s claim moves the base; key(1)'s lease ended long ago, key(2)'s has 10 days left.
    expect(table.claim(key(3), at, 1000, 0)).toBe(1);
    expect(table.claim(key(1), at, 1000, 0)).toBe(2);
    expect(table.claim(key(2), at, 1000, 0)).toBe(CLAIM_BUSY);
    expect(table.claim(key(2), at + 10 * 86_400_000, 1000, 0)).toBe(2);
  });

  it('keeps done records and claims apart when forgetting, and drops claims over a bound', () => {
    const table = new UuidRecordTable();
    const at = 1_700_000_000_000;
    for (let i = 0; i < 100; i++) table.claim(key(i), at, i < 50 ? 10 : 60_000, 0);
    for (let i = 0; i < 20; i++) table.set(key(i), 100 + i);
    expect(table.size).toBe(20);
    expect(table.claims).toBe(80);
    table.prune(1000, 0);
    expect(table.size).toBe(0);
    expect(table.claims).toBe(80);
    // Over a bound of 40: the 30 ended leases (20..49) go first, then live ones, to half of it.
    table.dropClaims(40, at + 100);
    expect(table.claims).toBe(20);
    for (let i = 20; i < 50; i++) expect(table.claim(key(i), at + 100, 10, 0)).toBe(1);
  });
});

describe('DoneIds', () => {
  it('keeps UUID and other ids apart, forgetting the oldest across both', () => {
    const done = new DoneIds();
    done.set('00000000-0000-4000-8000-000000000001', 10);
    done.set('custom-id', 20);
    done.set('00000000-0000-4000-8000-000000000002', 30);
    expect(done.get('custom-id')).toBe(20);
    done.forget(10, 2);
    expect(done.get('00000000-0000-4000-8000-000000000001')).toBeUndefined();
    done.forget(0, 1);
    expect(done.get('custom-id')).toBeUndefined();
    expect(done.get('00000000-0000-4000-8000-000000000002')).toBe(30);
  });

  it('forgets the oldest UUIDs beyond the bound, and expired ones whatever the bound', () => {
    const done = new DoneIds();
    const id = (i: number) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`;
    for (let i = 1; i <= 10; i++) done.set(id(i), 100 + i);
    done.forget(0, 7);
    expect(done.size).toBe(7);
    expect(done.get(id(3))).toBeUndefined();
    expect(done.get(id(4))).toBe(104);
    done.forget(105, 100);
    expect(done.size).toBe(5);
    expect(done.get(id(5))).toBeUndefined();
    expect(done.get(id(6))).toBe(106);
  });
});
