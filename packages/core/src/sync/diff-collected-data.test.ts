import { describe, expect, it } from 'vitest';
import { canonicalCollectedData } from './canonical-collected-data.js';
import { MAX_COLLECTED_DATA_DEPTH } from './collected-data-depth.js';
import { PASSFORT_GENERATED_PATHS } from './compile-diff-options.js';
import { diffCollectedData } from './diff-collected-data.js';

/** `{ a: { a: … { a: leaf } } }`, `depth` objects deep, built without recursion. */
function nested(depth: number, leaf: unknown): Record<string, unknown> {
  let value: unknown = leaf;
  for (let i = 0; i < depth; i++) value = { a: value };
  return value as Record<string, unknown>;
}

const person = () => ({
  entity_type: 'INDIVIDUAL',
  personal_details: { name: { given_names: ['Ada'], family_name: 'Lovelace' }, nationality: 'GBR' },
  address_history: [
    {
      address: { type: 'STRUCTURED', country: 'GBR', locality: 'London', route: 'St James Sq' },
      start_date: '2020-01',
    },
  ],
  documents: [
    { id: 'doc-1', category: 'PROOF_OF_IDENTITY', document_type: 'PASSPORT' },
    { id: 'doc-2', category: 'PROOF_OF_ADDRESS', document_type: 'UTILITY_BILL' },
  ],
  ip_location: { ip_address: '1.2.3.4', country: 'GBR' },
});

describe('diffCollectedData', () => {
  it('reports changed, added and removed paths with the values before and after', () => {
    const before = person();
    const after = person();
    after.personal_details.name.family_name = 'King';
    (after.personal_details as Record<string, unknown>)['dob'] = '1815-12-10';
    delete (after as Record<string, unknown>)['ip_location'];
    expect(diffCollectedData(before, after)).toEqual([
      {
        kind: 'changed',
        path: ['personal_details', 'name', 'family_name'],
        before: 'Lovelace',
        after: 'King',
      },
      { kind: 'added', path: ['personal_details', 'dob'], after: '1815-12-10' },
      { kind: 'removed', path: ['ip_location'], before: before.ip_location },
    ]);
  });

  it('ignores the keys Passfort adds by itself', () => {
    const before = person();
    const after = person();
    (after.address_history[0]!.address as Record<string, unknown>)['original_structured_address'] =
      { x: 1 };
    (after.address_history[0]!.address as Record<string, unknown>)['original_freeform_address'] =
      'St James Sq, London';
    (after.ip_location as Record<string, unknown>)['continent'] = 'Europe';
    expect(diffCollectedData(before, after)).toEqual([]);
    expect(diffCollectedData(before, after, { ignore: [] })).toHaveLength(3);
  });

  it('treats a container holding only ignored keys as absent', () => {
    const before = { entity_type: 'INDIVIDUAL' };
    const after = { entity_type: 'INDIVIDUAL', ip_location: { continent: 'Europe' } };
    expect(diffCollectedData(before, after)).toEqual([]);
    expect(diffCollectedData(after, before)).toEqual([]);
    expect(canonicalCollectedData(after)).toBe(canonicalCollectedData(before));
    expect(
      diffCollectedData(before, { ...after, ip_location: { continent: 'Europe', country: 'GBR' } }),
    ).toHaveLength(1);
  });

  it('takes extra ignore paths with wildcards for array elements', () => {
    const before = person();
    const after = person();
    after.address_history[0]!.start_date = '2021-02';
    after.personal_details.nationality = 'FRA';
    const ignore = [...PASSFORT_GENERATED_PATHS, 'address_history.*.start_date'];
    expect(diffCollectedData(before, after, { ignore }).map((c) => c.path)).toEqual([
      ['personal_details', 'nationality'],
    ]);
  });

  it('matches documents by id, whatever their order, and arrays without ids by position', () => {
    const before = person();
    const after = person();
    after.documents.reverse();
    after.documents[0]!.document_type = 'COUNCIL_TAX';
    after.personal_details.name.given_names = ['Ada', 'Augusta'];
    expect(diffCollectedData(before, after)).toEqual([
      { kind: 'added', path: ['personal_details', 'name', 'given_names', 1], after: 'Augusta' },
      {
        kind: 'changed',
        path: ['documents', 0, 'document_type'],
        before: 'UTILITY_BILL',
        after: 'COUNCIL_TAX',
      },
    ]);
    after.documents.push({ id: 'doc-3', category: 'X', document_type: 'Y' });
    after.documents.splice(1, 1);
    expect(
      diffCollectedData(before, after)
        .filter((c) => c.path[0] === 'documents')
        .map((c) => [c.kind, c.path]),
    ).toEqual([
      ['changed', ['documents', 0, 'document_type']],
      ['added', ['documents', 1]],
      ['removed', ['documents', 0]],
    ]);
  });

  it('normalises leaves before comparing, and reports the original values', () => {
    const before = { personal_details: { nationality: 'gbr ' } };
    const after = { personal_details: { nationality: 'GBR' } };
    const normalize = (value: unknown) =>
      typeof value === 'string' ? value.trim().toUpperCase() : value;
    expect(diffCollectedData(before, after, { normalize })).toEqual([]);
    expect(diffCollectedData(before, after)).toEqual([
      { kind: 'changed', path: ['personal_details', 'nationality'], before: 'gbr ', after: 'GBR' },
    ]);
  });

  it('treats a missing snapshot as empty, and a type change as a change', () => {
    expect(diffCollectedData(null, { a: 1 })).toEqual([{ kind: 'added', path: ['a'], after: 1 }]);
    expect(diffCollectedData({ a: { b: 1 } }, { a: [1] })).toEqual([
      { kind: 'changed', path: ['a'], before: { b: 1 }, after: [1] },
    ]);
  });
});

describe('diffCollectedData at the edges', () => {
  it('compares Date values by their time', () => {
    const before = { personal_details: { dob: new Date('1815-12-10T00:00:00Z') } };
    expect(
      diffCollectedData(before, {
        personal_details: { dob: new Date(before.personal_details.dob) },
      }),
    ).toEqual([]);
    const later = new Date('1815-12-11T00:00:00Z');
    expect(diffCollectedData(before, { personal_details: { dob: later } })).toEqual([
      {
        kind: 'changed',
        path: ['personal_details', 'dob'],
        before: before.personal_details.dob,
        after: later,
      },
    ]);
    expect(diffCollectedData(before, { personal_details: { dob: '1815-12-10' } })).toHaveLength(1);
    expect(diffCollectedData({ d: new Date(Number.NaN) }, { d: new Date(Number.NaN) })).toEqual([]);
    expect(canonicalCollectedData({ d: later })).toBe(
      canonicalCollectedData({ d: later.toJSON() }),
    );
    expect(canonicalCollectedData({ d: later })).not.toBe(canonicalCollectedData(before));
  });

  it('reports the removal of one of two elements that share an id', () => {
    const twice = {
      documents: [
        { id: 'doc-1', category: 'PROOF_OF_IDENTITY' },
        { id: 'doc-1', category: 'PROOF_OF_ADDRESS' },
      ],
    };
    const once = { documents: [twice.documents[0]!] };
    expect(diffCollectedData(twice, once)).toEqual([
      { kind: 'removed', path: ['documents', 1], before: twice.documents[1] },
    ]);
    expect(diffCollectedData(once, twice)).toEqual([
      { kind: 'added', path: ['documents', 1], after: twice.documents[1] },
    ]);
    expect(canonicalCollectedData(once)).not.toBe(canonicalCollectedData(twice));
    const changed = structuredClone(twice);
    changed.documents[1]!.category = 'OTHER';
    expect(diffCollectedData(twice, changed)).toEqual([
      {
        kind: 'changed',
        path: ['documents', 1, 'category'],
        before: 'PROOF_OF_ADDRESS',
        after: 'OTHER',
      },
    ]);
  });

  it('stops at MAX_COLLECTED_DATA_DEPTH with a RangeError that says so, never a stack overflow', () => {
    expect(diffCollectedData(nested(400, 1), nested(400, 2))).toHaveLength(1);
    for (const depth of [MAX_COLLECTED_DATA_DEPTH + 5, 6_000, 100_000]) {
      const deep = nested(depth, 1);
      for (const run of [
        () => diffCollectedData(deep, nested(depth, 2)),
        () => diffCollectedData({}, { x: deep }),
        () => canonicalCollectedData(deep),
      ]) {
        expect(run).toThrow(RangeError);
        expect(run).toThrow(/MAX_COLLECTED_DATA_DEPTH/);
      }
    }
  });

  it('reports every element of an id-less array as changed when one is inserted at the front (merge such arrays whole)', () => {
    const before = { address_history: [{ address: { route: 'A' } }, { address: { route: 'B' } }] };
    const after = { address_history: [{ address: { route: 'N' } }, ...before.address_history] };
    expect(diffCollectedData(before, after).map((c) => [c.kind, c.path])).toEqual([
      ['changed', ['address_history', 0, 'address', 'route']],
      ['changed', ['address_history', 1, 'address', 'route']],
      ['added', ['address_history', 2]],
    ]);
  });
});

describe('canonicalCollectedData', () => {
  it('is equal for snapshots the diff finds equal', () => {
    const before = person();
    const after = person();
    after.documents.reverse();
    (after.ip_location as Record<string, unknown>)['continent'] = 'Europe';
    const reverseKeys = (value: unknown): unknown =>
      Array.isArray(value)
        ? value.map(reverseKeys)
        : typeof value === 'object' && value !== null
          ? Object.fromEntries(
              Object.entries(value)
                .reverse()
                .map(([k, v]) => [k, reverseKeys(v)]),
            )
          : value;
    const shuffled = reverseKeys(after);
    expect(diffCollectedData(before, after)).toEqual([]);
    expect(canonicalCollectedData(shuffled)).toBe(canonicalCollectedData(before));
    after.personal_details.nationality = 'FRA';
    expect(canonicalCollectedData(after)).not.toBe(canonicalCollectedData(before));
  });
});
