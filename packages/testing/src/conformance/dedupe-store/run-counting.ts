/**
 * Runs counted as they start, optional (`runCounting: false` skips it): a crash then costs an
 * attempt to the webhook that was running only, not to every webhook of its batch.
 */
import { type ConformanceCase, expectEqual, sleep } from '../conformance-case.js';
import { type OpenDedupeStore, optionalStoreCase } from './store-case.js';

/** `runCounting` is the kit's option of that name. */
export function runCountingCase(
  open: OpenDedupeStore,
  runCounting: boolean | undefined,
): ConformanceCase {
  return optionalStoreCase(
    open,
    runCounting,
    'the store counts every claimed id as a run (optional): a crash costs every webhook of the batch an attempt',
    'counts a run as it starts: with starts: first only ids[0]; a started mark once; a failed release counts a run not counted, an unstarted one takes a counted run back',
    60_000,
    async ({ store }) => {
      const claimFirst = (list: string[], owner: string, leaseMs = 300) =>
        store.claim(list, { leaseMs, owner, starts: 'first' });
      const attempts = (outcomes: readonly { status: string; attempt?: number }[]) =>
        outcomes.map((o) => (o.status === 'claimed' ? o.attempt : o.status));
      expectEqual(attempts(await claimFirst(['a', 'b', 'c'], 'crashed-1')), [1, 1, 1], 'first');
      await sleep(500); // the process died while running a: nothing was released
      expectEqual(
        attempts(await claimFirst(['a', 'b', 'c'], 'crashed-2')),
        [2, 1, 1],
        'the crash cost an attempt to a only: b and c never ran',
      );
      await store.complete(['a'], { owner: 'crashed-2', started: 'b' });
      await store.complete([], { owner: 'crashed-2', started: 'b' });
      await sleep(500); // b ran (counted once, whatever the marks), and the process died
      expectEqual(
        attempts(await claimFirst(['b', 'c'], 'third', 30_000)),
        [2, 1],
        'b’s run was counted once; c still never ran',
      );
      await store.release(['c'], { failed: true, owner: 'third' });
      await store.release(['b'], { owner: 'third' });
      expectEqual(
        attempts(await claimFirst(['b', 'c'], 'fourth', 30_000)),
        [2, 2],
        'c’s failed run counted by its release; b’s unstarted claim taken back',
      );
      await store.complete([], { owner: 'someone-else', started: 'c' });
      await store.release(['c'], { owner: 'fourth' });
      expectEqual(
        attempts(await store.claim(['c'], { leaseMs: 30_000, owner: 'fifth' })),
        [2],
        'another owner’s started mark counted nothing',
      );
    },
  );
}
