/**
 * How a dedupe-store case opens its store, cleans up and is skipped, written once so that every
 * file of the kit builds its cases the same way and a runner sees the same skip from each.
 */
import type { DedupeStore } from '@passfort-webhooks/core/store';
import type { ConformanceCase } from '../conformance-case.js';
import type { StoreFixture } from '../store-fixture.js';

/** Opens a fresh, empty dedupe store that forgets completed ids after `retentionMs`. */
export type OpenDedupeStore = (options: {
  retentionMs: number;
}) => Promise<StoreFixture<DedupeStore>>;

/** The lease of a case that does not test leases: longer than any case runs. */
export const kitLease = { leaseMs: 30_000 };

/** Ends a case that does not apply to the store, once the test runner was told. */
const SKIPPED = Symbol('skipped');

/**
 * Marks the running case skipped, with `reason`, through the runner's test context when it
 * passes one (vitest's `ctx.skip(note)` throws to end the test; node:test's `t.skip(message)`
 * returns, and the case then ends); another runner gets a warning and sees the case pass.
 */
function skipCase(context: unknown, name: string, reason: string): never {
  const skip = (context as { skip?: unknown } | undefined)?.skip;
  if (typeof skip === 'function') skip.call(context, reason);
  else console.warn(`[passfort-webhooks] conformance case skipped: ${name}: ${reason}`);
  throw SKIPPED;
}

/** A case run on a store opened for it with `retentionMs`, and cleaned up after it. */
export function storeCase(
  open: OpenDedupeStore,
  name: string,
  retentionMs: number,
  run: (fixture: StoreFixture<DedupeStore>, skip: (reason: string) => never) => Promise<void>,
): ConformanceCase {
  return {
    name,
    // The runner's test context, when it passes one, arrives as the first argument; a rest
    // parameter keeps the function's length 0, so Jest does not take it for a done callback.
    async run(...runner: unknown[]) {
      const fixture = await open({ retentionMs });
      try {
        await run(fixture, (reason) => skipCase(runner[0], name, reason));
      } catch (error) {
        if (error !== SKIPPED) throw error;
      } finally {
        await fixture.cleanup();
      }
    },
  };
}

/** A case of an optional part of the contract, skipped when the store says it leaves it out. */
export function optionalStoreCase(
  open: OpenDedupeStore,
  included: boolean | undefined,
  reason: string,
  name: string,
  retentionMs: number,
  run: (fixture: StoreFixture<DedupeStore>) => Promise<void>,
): ConformanceCase {
  return storeCase(open, name, retentionMs, async (fixture, skip) => {
    if (included === false) skip(reason);
    await run(fixture);
  });
}
