import { describe, expect, it } from 'vitest';
import { webhookFingerprint } from '../webhook-fingerprint.js';
import { FingerprintCodes } from './fingerprint-codes.js';

describe('FingerprintCodes', () => {
  it('gives back every fingerprint it encoded, hashed or whole', () => {
    const codes = new FingerprintCodes();
    const fingerprints = [
      webhookFingerprint({ event: 'CHECK_COMPLETED', timestamp: 1, data: { profile_id: 'a' } }),
      webhookFingerprint({ event: 'CHECK_COMPLETED', timestamp: 2, data: { profile_id: 'b' } }),
      webhookFingerprint({ event: 'RISK_LEVEL_CHANGED', timestamp: 1, data: {} }),
      'CHECK_COMPLETED#00000000',
      'CHECK_COMPLETED#ffffffff',
      '#deadbeef',
      // Not `#` and 8 lower-case hex digits: kept whole.
      'CHECK_COMPLETED#0123ABCD',
      'CHECK_COMPLETED#0123abc',
      'CHECK_COMPLETEDx0123abcd',
      'plain',
      '',
    ];
    for (const fingerprint of [...fingerprints, ...fingerprints]) {
      const code = codes.encode(fingerprint);
      expect(code).not.toBe(0);
      expect(codes.decode(code, codes.hash)).toBe(fingerprint);
    }
  });

  it('reads the hash from the digits, the same event sharing one code', () => {
    const codes = new FingerprintCodes();
    const first = codes.encode('EVENT#89abcdef');
    expect(codes.hash).toBe(0x89abcdef);
    expect(codes.encode('EVENT#00000001')).toBe(first);
    expect(codes.hash).toBe(1);
    expect(codes.encode('OTHER#00000001')).not.toBe(first);
    expect(codes.encode(undefined)).toBe(0);
    expect(codes.hash).toBe(0);
  });
});
