/**
 * How a transactional case opens its store and effects table and cleans up after itself,
 * written once so that every file of the kit builds its cases the same way.
 */
import type { ConformanceCase } from '../conformance-case.js';
import type {
  OpenTransactionalStore,
  TransactionalStoreFixture,
} from './transactional-store-fixture.js';

/** A case run on a store and effects table opened for it, and cleaned up after it. */
export function transactionCase<Tx>(
  open: OpenTransactionalStore<Tx>,
  name: string,
  run: (fixture: TransactionalStoreFixture<Tx>) => Promise<void>,
  options?: { retentionMs?: number },
): ConformanceCase {
  return {
    name,
    async run() {
      const fixture = await open(options);
      try {
        await run(fixture);
      } finally {
        await fixture.cleanup();
      }
    },
  };
}
