import { describe, expect, it } from 'vitest';
import { recordableResult, recordedResult } from './recordable-result.js';

/** [1, <empty>, 3] */
function holey(): unknown[] {
  const array = [1, 2, 3];
  delete array[1];
  return array;
}

const roundTrip = (value: unknown) => recordedResult(recordableResult(value));

describe('recordableResult keeps only values that read back the same', () => {
  it.each([
    ['a plain object', { id: 7, name: 'x', tags: ['a', null], nested: { ok: true } }],
    ['a string', 'done'],
    ['a number', 42.5],
    ['null', null],
    ['an empty array', []],
    ['an object without prototype', Object.assign(Object.create(null), { a: 1 })],
  ])('%s reads back equal', (_name, value) => {
    expect(roundTrip(value)).toEqual(value);
  });

  it('undefined is recorded as nothing and reads back as undefined', () => {
    expect(recordableResult(undefined)).toBeNull();
    expect(recordedResult(null)).toBeUndefined();
  });

  it.each([
    ['a Date', new Date(0), /a Date at result \(JSON reads it back as a string\)/],
    ['a Map', new Map([[1, 2]]), /a Map at result/],
    ['a Set', new Set([1]), /a Set at result/],
    ['NaN', Number.NaN, /NaN at result/],
    ['Infinity', Number.POSITIVE_INFINITY, /Infinity at result/],
    ['-0', -0, /-0 at result/],
    ['a BigInt', 10n, /a BigInt at result/],
    ['a function', () => 1, /a function at result/],
    ['a nested Date', { at: [{ when: new Date() }] }, /a Date at result\.at\[0\]\.when/],
    ['undefined in an object', { a: 1, b: undefined }, /undefined at result\.b/],
    ['undefined in an array', [1, undefined], /undefined at result\[1\]/],
    ['a hole', holey(), /empty array slot at result\[1\]/],
    ['an odd key', { 'a-b': Number.NaN }, /NaN at result\["a-b"\]/],
    ['a class instance', new (class PoolClient {})(), /a PoolClient at result/],
    ['own toJSON', { toJSON: () => 1 }, /toJSON/],
    ['symbol keys', { [Symbol('s')]: 1 }, /symbol keys/],
    [
      'an array with a key besides its elements',
      Object.assign([1], { foo: 2 }),
      /key besides its elements \("foo"\) at result/,
    ],
    [
      'a getter',
      {
        get a() {
          return Math.random();
        },
      },
      /a getter at result\.a/,
    ],
  ])('%s is refused, naming where it is', (_name, value, message) => {
    expect(() => recordableResult(value)).toThrow(TypeError);
    expect(() => recordableResult(value)).toThrow(message);
  });

  it('a cycle is refused, not a stack overflow', () => {
    const value: Record<string, unknown> = { a: 1 };
    value['self'] = value;
    expect(() => recordableResult(value)).toThrow(/circular reference at result\.self/);
  });

  it('a closed proxy (the connection returned after use) is refused without reading it', () => {
    class PoolClient {}
    const closed = new Proxy(new PoolClient(), {
      get() {
        throw new Error('used after the transaction ended');
      },
    });
    expect(() => recordableResult(closed)).toThrow(/a PoolClient at result/);
  });
});
