import { describe, expect, it } from 'vitest';
import { canonicalCollectedData } from './canonical-collected-data.js';
import { diffCollectedData, PASSFORT_GENERATED_PATHS } from './diff-collected-data.js';

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
