/**
 * Dead letters as a store keeps them: stored, listed oldest first, deleted, with their
 * `profileId`, and their ids kept done so a redelivery cannot run what may still be replayed.
 */
import type { DeadLetter } from '@passfort-webhooks/core/store';
import { type ConformanceCase, expectEqual } from '../conformance-case.js';
import { kitLease as lease, type OpenDedupeStore, storeCase } from './store-case.js';

/** A dead letter for `id`, failed at `failedAt`, as the receiver writes one. */
export function kitDeadLetter(id: string, failedAt: number): DeadLetter {
  return {
    id,
    event: 'CHECK_COMPLETED',
    webhook: { id, event: 'CHECK_COMPLETED', timestamp: 1, data: { profile_id: 'p' } },
    reason: 'max-attempts',
    error: 'database down',
    attempts: 8,
    failedAt,
  };
}

export function deadLetterStorageCase(open: OpenDedupeStore): ConformanceCase {
  return storeCase(
    open,
    'stores dead letters, marks their ids done, lists them oldest first, and deletes them',
    60_000,
    async ({ store }) => {
      await store.claim(['x', 'y'], lease);
      await store.addDeadLetter(kitDeadLetter('y', 2000));
      await store.addDeadLetter(kitDeadLetter('x', 1000));
      expectEqual(
        await store.claim(['x', 'y'], lease),
        [{ status: 'done' }, { status: 'done' }],
        'dead-lettered ids are done',
      );
      expectEqual(await store.countDeadLetters(), 2, 'count');
      expectEqual(
        (await store.listDeadLetters()).map((l) => l.id),
        ['x', 'y'],
        'oldest first',
      );
      expectEqual(await store.getDeadLetter('x'), kitDeadLetter('x', 1000), 'get');
      expectEqual(await store.deleteDeadLetter('x'), true, 'delete');
      expectEqual(await store.deleteDeadLetter('x'), false, 'delete again');
      expectEqual(await store.getDeadLetter('x'), undefined, 'get after delete');
      expectEqual(
        await store.listDeadLetters({ limit: 10 }),
        [kitDeadLetter('y', 2000)],
        'list after delete',
      );
    },
  );
}

export function deadLetterProfileCase(open: OpenDedupeStore): ConformanceCase {
  return storeCase(open, 'keeps a dead letter’s profileId', 60_000, async ({ store }) => {
    const named: DeadLetter = { ...kitDeadLetter('x', 1000), profileId: 'profile-9' };
    await store.addDeadLetter(named);
    await store.addDeadLetter(kitDeadLetter('y', 2000));
    expectEqual(await store.getDeadLetter('x'), named, 'get: the profileId is kept');
    expectEqual(
      await store.getDeadLetter('y'),
      kitDeadLetter('y', 2000),
      'get: a letter without one has none',
    );
    expectEqual(await store.listDeadLetters(), [named, kitDeadLetter('y', 2000)], 'list');
  });
}
