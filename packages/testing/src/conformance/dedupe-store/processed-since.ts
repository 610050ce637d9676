/**
 * `processedSince`, optional: the completions a store lists for a profile, which a replayed
 * dead letter reads to learn whether newer webhooks for its profile superseded it. Skipped,
 * with that consequence as the reason, for a store without it.
 */
import type { CompletedWebhook } from '@passfort-webhooks/core/store';
import {
  type ConformanceCase,
  expectEqual,
  expectMatch,
  expectTrue,
  sleep,
} from '../conformance-case.js';
import { kitLease as lease, type OpenDedupeStore, storeCase } from './store-case.js';

export function processedSinceCase(open: OpenDedupeStore): ConformanceCase {
  return storeCase(
    open,
    'processedSince (optional): counts and lists a profile’s completions after a time, oldest first, excluding one id, within a limit, and no other profile’s',
    60_000,
    async ({ store }, skip) => {
      if (store.processedSince === undefined) {
        return skip(
          'the store has no processedSince() (optional): a replayed dead letter cannot learn that newer webhooks for its profile superseded it',
        );
      }
      const processedSince = store.processedSince.bind(store);
      const done = (
        id: string,
        profileId: string,
        event = 'CHECK_COMPLETED',
      ): CompletedWebhook => ({
        id,
        event,
        profileId,
      });
      await store.claim(['a', 'b', 'c', 'd', 'e', 'f'], lease);
      await store.complete(['a'], { profiles: [done('a', 'P')] });
      const first = await processedSince('P', 0);
      expectMatch(
        first,
        {
          count: 1,
          webhooks: [{ id: 'a', event: 'CHECK_COMPLETED', processedAt: Number.isInteger }],
        },
        'one completion, with its time in epoch ms (the store’s clock)',
      );
      const since = first.webhooks[0]!.processedAt;
      // Apart by more than a millisecond, so every store's clock orders them.
      await sleep(20);
      await store.complete(['b'], { profiles: [done('b', 'P', 'PRODUCT_STATUS_CHANGED')] });
      await sleep(20);
      // Several in one call: profiles mixed, and an id (f) that names none.
      await store.complete(['c', 'e', 'f'], { profiles: [done('c', 'P'), done('e', 'Q')] });
      await sleep(20);
      await store.complete(['d'], { profiles: [done('d', 'P')] });
      const after = await processedSince('P', since);
      expectEqual(after.count, 3, 'b, c and d came after a');
      expectEqual(
        after.webhooks.map(({ id, event }) => [id, event]),
        [
          ['b', 'PRODUCT_STATUS_CHANGED'],
          ['c', 'CHECK_COMPLETED'],
          ['d', 'CHECK_COMPLETED'],
        ],
        'oldest first, with their events',
      );
      const times = [since, ...after.webhooks.map((webhook) => webhook.processedAt)];
      expectTrue(
        times.every((at, i) => i === 0 || at > times[i - 1]!),
        `processedAt grows with each completion: ${times.join(', ')}`,
      );
      expectEqual(
        await processedSince('P', since, { excluding: 'c', limit: 1 }),
        { count: 2, webhooks: [after.webhooks[0]] },
        'c left out, one listed, both counted',
      );
      expectEqual(
        await processedSince('P', times[3]!),
        { count: 0, webhooks: [] },
        'strictly after: not the completion at `since` itself',
      );
      expectEqual(
        (await processedSince('Q', 0)).webhooks.map((webhook) => webhook.id),
        ['e'],
        'another profile’s',
      );
      expectEqual(
        await processedSince('nobody', 0),
        { count: 0, webhooks: [] },
        'a profile never seen',
      );
      // Profiles are told apart by exact bytes, as ids are: case and a trailing space count.
      await store.claim(['h', 'i'], lease);
      await store.complete(['h', 'i'], {
        profiles: [done('h', 'prof-abc'), done('i', 'PROF-ABC ')],
      });
      expectEqual(
        (await processedSince('prof-abc', 0)).webhooks.map((webhook) => webhook.id),
        ['h'],
        'profiles compared by exact bytes',
      );
      // A replayed letter is filed where it stands in Passfort's order, not now.
      await store.claim(['g'], lease);
      await store.complete(['g'], { profiles: [{ ...done('g', 'P'), processedAt: since + 1 }] });
      const filed = await processedSince('P', since);
      expectEqual(
        filed.webhooks.map((webhook) => [webhook.id, webhook.processedAt]),
        [['g', since + 1], ...after.webhooks.map((webhook) => [webhook.id, webhook.processedAt])],
        'a completion given processedAt is listed at that time, before the later ones',
      );
      expectEqual((await processedSince('P', times[3]!)).count, 0, 'and not after the newest');
    },
  );
}
