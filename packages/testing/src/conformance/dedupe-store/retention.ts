/**
 * How long a store remembers an id: a completed one for the retention, a dead-lettered one
 * while its letter exists and for the retention from its delete. Both cases open the store
 * with a retention of 400 ms, so that it passes within the case.
 */
import { type ConformanceCase, expectEqual, sleep } from '../conformance-case.js';
import { kitDeadLetter } from './dead-letters.js';
import { kitLease as lease, type OpenDedupeStore, storeCase } from './store-case.js';

export function completedRetentionCase(open: OpenDedupeStore): ConformanceCase {
  return storeCase(
    open,
    'forgets completed ids once the retention has passed',
    400,
    async ({ store }) => {
      await store.claim(['a'], lease);
      await store.complete(['a']);
      expectEqual(await store.claim(['a'], lease), [{ status: 'done' }], 'within retention');
      await sleep(600);
      expectEqual(
        await store.claim(['a'], lease),
        [{ status: 'claimed', attempt: 1 }],
        'after retention',
      );
    },
  );
}

export function deadLetterRetentionCase(open: OpenDedupeStore): ConformanceCase {
  return storeCase(
    open,
    'keeps a dead-lettered id done past the retention while its letter exists, then for the retention from its delete',
    400,
    async ({ store }) => {
      await store.claim(['x'], lease);
      await store.addDeadLetter(kitDeadLetter('x', Date.now()));
      await sleep(700);
      expectEqual(
        await store.claim(['x'], lease),
        [{ status: 'done' }],
        'past the retention, while its letter exists (a redelivery must not run what may be replayed)',
      );
      expectEqual(await store.deleteDeadLetter('x'), true, 'delete');
      expectEqual(
        await store.claim(['x'], lease),
        [{ status: 'done' }],
        'right after the delete: remembered for the retention from then',
      );
      await sleep(700);
      expectEqual(
        (await store.claim(['x'], lease)).map((outcome) => outcome.status),
        ['claimed'],
        'a retention after the delete',
      );
    },
  );
}
