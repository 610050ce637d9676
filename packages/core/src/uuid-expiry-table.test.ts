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
    expect(uuidWords('ffffffff-ffff-ffff-ffff-ffffffffffff', words)).toBe(true);
    expect([...words]).toEqual([0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff]);
  });
});

describe('UuidExpiryTable', () => {
  it('behaves like a Map under random sets, deletes and re-sets, through resizes', () => {
    const random = seeded(42);
    const table = new UuidExpiryTable();
    const model = new Map<string, number>();
    const pool = Array.from({ length: 5000 }, () => randomUuid(random));
    const words = new Uint32Array(4);
    for (let step = 0; step < 60_000; step++) {
      const id = pool[Math.floor(random() * pool.length)]!;
      uuidWords(id, words);
      if (random() < 0.7) {
        const expiry = 1 + Math.floor(random() * 1000);
        table.set(words, expiry);
        model.set(id, expiry);
      } else {
        expect(table.delete(words)).toBe(model.delete(id));
      }
    }
    expect(table.size).toBe(model.size);
    for (const id of pool) {
      uuidWords(id, words);
      expect(table.get(words)).toBe(model.get(id));
    }
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
    table.removeOldest((expiry) => expiry <= 1000);
    expect(table.size).toBe(2000);
    expect(table.oldestExpiry()).toBe(1001);
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
});
