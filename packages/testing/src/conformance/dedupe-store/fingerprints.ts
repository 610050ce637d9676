/**
 * Fingerprints kept with a claim, optional (`fingerprints: false` skips it): the receiver
 * compares them to tell an id arriving with another payload from a redelivery.
 */
import { type ConformanceCase, expectEqual } from '../conformance-case.js';
import { kitLease as lease, type OpenDedupeStore, optionalStoreCase } from './store-case.js';

/** `fingerprints` is the kit's option of that name. */
export function fingerprintsCase(
  open: OpenDedupeStore,
  fingerprints: boolean | undefined,
): ConformanceCase {
  return optionalStoreCase(
    open,
    fingerprints,
    'the store keeps no fingerprints (optional): an id arriving with another payload is not told apart from a redelivery',
    'reports the fingerprint a done id was claimed with, and none for an id claimed without one',
    60_000,
    async ({ store }) => {
      await store.claim(['f1', 'f2'], {
        ...lease,
        fingerprints: ['CHECK_COMPLETED#0000abcd', 'any string a store keeps as it is'],
      });
      await store.claim(['f4'], lease);
      await store.complete(['f1', 'f2', 'f4']);
      expectEqual(
        await store.claim(['f1', 'f2', 'f4'], {
          ...lease,
          fingerprints: ['RISK_SCORE_CHANGED#00000001', 'another', 'X#00000002'],
        }),
        [
          { status: 'done', fingerprint: 'CHECK_COMPLETED#0000abcd' },
          { status: 'done', fingerprint: 'any string a store keeps as it is' },
          { status: 'done' },
        ],
        'the processed claim’s fingerprints, never the new ones',
      );
    },
  );
}
