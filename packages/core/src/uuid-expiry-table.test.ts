import { describe, expect, it } from 'vitest';
import { DoneIds } from './done-ids.js';
import { UuidExpiryTable, uuidWords } from './uuid-expiry-table.js';

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
  const table = new UuidExpiryTable();
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

describe('UuidExpiryTable', () => {
  it('behaves like a Map under random sets, deletes and re-sets, through resizes', () => {
    runAgainstMap(42, 5000, 60_000, 0.7);
  });

  it('finds every key after deletions in long clusters that wrap around the end', () => {
    // 511 ids in the smallest table (1024 slots) keep it just under half full, where
    // linear probing's clusters are longest: every delete shifts some of them back.
    runAgainstMap(7, 511, 40_000, 0.6, 1000);
  });

  it('removes the oldest live entries first', () => {
    const table = new UuidExpiryTable();
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
