import { describe, expect, it } from 'vitest';
import { PayloadError } from '../errors/payload-error.js';
import { unwrapBatch } from './unwrap-batch.js';

describe('unwrapBatch', () => {
  it('treats one object as a batch of one and an array as a batch', () => {
    expect(unwrapBatch({ id: 'a' }, 100)).toEqual([{ id: 'a' }]);
    expect(unwrapBatch([{ id: 'a' }, { id: 'b' }], 100)).toHaveLength(2);
    expect(unwrapBatch([], 100)).toEqual([]);
  });

  it('names the index of an item that is not an object', () => {
    expect(() => unwrapBatch([{}, {}, 'x'], 100)).toThrow(/index 2 is a string/);
    expect(() => unwrapBatch([null], 100)).toThrow(/index 0 is null/);
  });

  it('refuses scalars and batches over the limit', () => {
    expect(() => unwrapBatch(42, 100)).toThrow(PayloadError);
    expect(() =>
      unwrapBatch(
        Array.from({ length: 3 }, () => ({})),
        2,
      ),
    ).toThrow(/limit is 2/);
  });
});
