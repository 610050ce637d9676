import { describe, expect, it } from 'vitest';
import { formatDeliveryCounts, parseDeliveryCounts } from './delivery-counts-header.js';

const counts = { received: 3, processed: 1, duplicates: 1, deadLettered: 1, echoes: 0 };

describe('delivery counts header', () => {
  it('writes an RFC 8941 dictionary and reads it back', () => {
    const header = formatDeliveryCounts(counts);
    expect(header).toBe('received=3, processed=1, duplicates=1, dead-lettered=1, echoes=0');
    expect(parseDeliveryCounts(header)).toEqual(counts);
  });

  it('carries the queued count of queue delivery', () => {
    const queued = { ...counts, processed: 0, queued: 2 };
    expect(formatDeliveryCounts(queued)).toMatch(/, queued=2$/);
    expect(parseDeliveryCounts(formatDeliveryCounts(queued))).toEqual(queued);
  });

  it('writes each counts as they are when the same ones come again or change by one field', () => {
    const one = { received: 1, processed: 1, duplicates: 0, deadLettered: 0, echoes: 0 };
    const header = formatDeliveryCounts(one);
    expect(formatDeliveryCounts({ ...one })).toBe(header);
    for (const field of [
      'received',
      'processed',
      'duplicates',
      'deadLettered',
      'echoes',
    ] as const) {
      const changed = { ...one, [field]: 7 };
      expect(parseDeliveryCounts(formatDeliveryCounts(changed))).toEqual(changed);
    }
    expect(formatDeliveryCounts({ ...one, queued: 0 })).toMatch(/, queued=0$/);
    expect(formatDeliveryCounts(one)).toBe(header);
  });

  it('reads members in any order and with any spacing', () => {
    expect(
      parseDeliveryCounts('echoes=0,dead-lettered=1 ,  duplicates=1,processed=1,received=3'),
    ).toEqual(counts);
  });

  it('answers undefined for a missing, partial or foreign header, never a guess', () => {
    expect(parseDeliveryCounts(undefined)).toBeUndefined();
    expect(parseDeliveryCounts(null)).toBeUndefined();
    expect(parseDeliveryCounts(['received=1'])).toBeUndefined();
    expect(parseDeliveryCounts('received=1, processed=1')).toBeUndefined();
    expect(parseDeliveryCounts(`${formatDeliveryCounts(counts)}, constructor=1`)).toBeUndefined();
    expect(parseDeliveryCounts(`${formatDeliveryCounts(counts)}, __proto__=1`)).toBeUndefined();
    expect(
      parseDeliveryCounts('received=-1, processed=1, duplicates=0, dead-lettered=0, echoes=0'),
    ).toBeUndefined();
  });
});
