import { describe, expect, it } from 'vitest';
import { MAX_COLLECTED_DATA_DEPTH } from './collected-data-depth.js';
import { mergeCollectedData } from './merge-collected-data.js';

const base = () => ({
  entity_type: 'INDIVIDUAL',
  personal_details: { name: { given_names: ['Ada'], family_name: 'Lovelace' }, nationality: 'GBR' },
  contact_details: { email: 'ada@example.com', phone_number: '+44 1' },
  address_history: [
    { address: { type: 'STRUCTURED', country: 'GBR', route: 'A Road' }, start_date: '2020-01' },
    { address: { type: 'STRUCTURED', country: 'GBR', route: 'B Road' }, start_date: '2018-01' },
  ],
  documents: [
    { id: 'd1', category: 'PROOF_OF_IDENTITY' },
    { id: 'd2', category: 'PROOF_OF_ADDRESS' },
  ],
});

describe('mergeCollectedData', () => {
  it('applies only what the edit changed, and keeps every other change of the target', () => {
    const before = base();
    const after = {
      ...base(),
      contact_details: { ...before.contact_details, email: 'ada@lovelace.org' },
    };
    delete (after as Partial<typeof after>).personal_details;
    const target = { ...base(), customer_ref: 'theirs' };
    target.contact_details.phone_number = '+44 2';
    expect(mergeCollectedData(target, { before, after })).toEqual({
      ...base(),
      customer_ref: 'theirs',
      contact_details: { email: 'ada@lovelace.org', phone_number: '+44 2' },
      personal_details: undefined,
    } as unknown as Record<string, unknown>);
    expect(Object.hasOwn(mergeCollectedData(target, { before, after }), 'personal_details')).toBe(
      false,
    );
    // Nothing passed in changed.
    expect(target.contact_details.email).toBe('ada@example.com');
  });

  it('replaces an id-less array whole when the edit changed it, and keeps the target’s otherwise', () => {
    const before = base();
    // The edit inserts an address at the front; meanwhile someone corrected the second one.
    const after = base();
    after.address_history.unshift({
      address: { type: 'STRUCTURED', country: 'GBR', route: 'New Road' },
      start_date: '2024-01',
    });
    const target = base();
    target.address_history[1]!.address.route = 'B Road (corrected)';
    const merged = mergeCollectedData(target, { before, after });
    // Whole: positions do not identify addresses, so no element-wise pairing.
    expect(merged['address_history']).toEqual(after.address_history);
    // An edit that leaves the array alone keeps the target's.
    const untouched = mergeCollectedData(target, {
      before,
      after: { ...base(), customer_ref: 'x' },
    });
    expect(untouched['address_history']).toEqual(target.address_history);
    expect(untouched['customer_ref']).toBe('x');
  });

  it('merges id’d arrays element by element: changed, removed and added by id, the target’s others kept', () => {
    const before = base();
    const after = base();
    after.documents[0]!.category = 'OTHER';
    after.documents.splice(1, 1);
    after.documents.push({ id: 'd3', category: 'NEW' });
    const target = base();
    target.documents.reverse();
    target.documents.push({ id: 'd9', category: 'THEIRS' });
    expect(mergeCollectedData(target, { before, after })['documents']).toEqual([
      { id: 'd1', category: 'OTHER' },
      { id: 'd9', category: 'THEIRS' },
      { id: 'd3', category: 'NEW' },
    ]);
  });

  it('leaves Passfort’s own additions to the target, and is safe with __proto__ keys', () => {
    const before = { ip_location: { ip_address: '1.2.3.4' } };
    const after = JSON.parse('{"ip_location":{"ip_address":"5.6.7.8"},"__proto__":{"polluted":1}}');
    const target = { ip_location: { ip_address: '1.2.3.4', continent: 'Europe' } };
    const merged = mergeCollectedData(target, { before, after });
    expect(merged['ip_location']).toEqual({ ip_address: '5.6.7.8', continent: 'Europe' });
    expect(Object.hasOwn(merged, '__proto__')).toBe(true);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    expect(Object.getPrototypeOf(merged)).toBe(Object.prototype);
  });

  it('brings back a value the edit changed that the target no longer has', () => {
    const before = base();
    const after = base();
    after.documents[1]!.category = 'UTILITY_BILL';
    after.contact_details.email = 'new@example.com';
    const target = base();
    target.documents.splice(1, 1);
    delete (target as Partial<typeof target>).contact_details;
    const merged = mergeCollectedData(target, { before, after });
    expect(merged['documents']).toEqual(after.documents);
    expect(merged['contact_details']).toEqual(after.contact_details);
  });

  it('stops at MAX_COLLECTED_DATA_DEPTH with a RangeError', () => {
    let deep: unknown = 1;
    for (let i = 0; i < MAX_COLLECTED_DATA_DEPTH + 10; i++) deep = { a: deep };
    expect(() => mergeCollectedData({}, { before: {}, after: { x: deep } })).toThrow(
      /MAX_COLLECTED_DATA_DEPTH/,
    );
  });
});
