/**
 * The dedupe-store kit: its entry assembles the cases, one file per part of the contract
 * (claims, leases, retention, dead letters, processedSince, owners, run counting,
 * fingerprints), in the order the kit has always run them.
 */
import type { ConformanceCase } from '../conformance-case.js';
import {
  claimCompleteReleaseCase,
  concurrentClaimersCase,
  emptyBatchesCase,
  largeBatchCase,
} from './claims.js';
import { deadLetterProfileCase, deadLetterStorageCase } from './dead-letters.js';
import { fingerprintsCase } from './fingerprints.js';
import { clockStepCase, leaseExpiryCase, leaseRenewalCase } from './leases.js';
import { ownerCases } from './owners.js';
import { processedSinceCase } from './processed-since.js';
import { completedRetentionCase, deadLetterRetentionCase } from './retention.js';
import { runCountingCase } from './run-counting.js';
import type { OpenDedupeStore } from './store-case.js';

export type { StoreFixture } from '../store-fixture.js';
export type { OpenDedupeStore } from './store-case.js';

/**
 * The `DedupeStore` contract as cases, run against a real backend: batch claims with
 * leases, completion, release (with and without counting a failed attempt), retention,
 * exactly one winner between two concurrent claimers, batches of 1,000, dead letters (their
 * ids kept done while they exist, whatever the retention; their `profileId`), and, for a store
 * that has the optional `processedSince`, the completions it lists for order-safe replay.
 * Then the edges: owners (another owner's complete, release and renew refused; a delivery
 * paused past its lease cannot complete what another took over, and its receiver logs it),
 * runs counted as they start (`starts: 'first'`, `started`: a crash costs an attempt to the
 * webhook that was running only), fingerprints kept with a claim, and leases that a wall
 * clock set forward in this process does not end.
 *
 * A case for an optional method the store does not implement is skipped with its reason:
 * through the test context's `skip(note)` when the runner passes one to the test function
 * (vitest, node:test), else with a console warning. So is a case of an optional part of the
 * contract the store says it leaves out (`owners`, `runCounting`, `fingerprints`: false).
 *
 * @example
 * const cases = dedupeStoreConformanceCases(async ({ retentionMs }) => {
 *   const store = myStore({ retentionMs, prefix: `test-${crypto.randomUUID()}` });
 *   return { store, another: async () => myStore({ retentionMs, prefix }), cleanup: () => store.drop() };
 * });
 * for (const check of cases) it(check.name, check.run);
 */
export function dedupeStoreConformanceCases(
  open: OpenDedupeStore,
  options: {
    /**
     * Whether the store implements the optional `renew` (short, renewed leases). Say `false`
     * for a store without it: the receiver then keeps long leases.
     * @default true
     */
    leaseRenewal?: boolean;
    /**
     * Whether the store checks owners (`ClaimOptions.owner`): `false` skips those cases, and a
     * delivery paused past its lease can then complete what another delivery took over.
     * @default true
     */
    owners?: boolean;
    /**
     * Whether the store counts runs as `ClaimOptions.starts` and `CompleteOptions.started` say:
     * `false` skips that case, and a crash then costs every claimed webhook an attempt.
     * @default true
     */
    runCounting?: boolean;
    /**
     * Whether the store keeps fingerprints (`ClaimOptions.fingerprints`): `false` skips that
     * case, and an id arriving with another payload is not told apart from a redelivery.
     * @default true
     */
    fingerprints?: boolean;
  } = {},
): ConformanceCase[] {
  return [
    ...(options.leaseRenewal === false ? [] : [leaseRenewalCase(open)]),
    claimCompleteReleaseCase(open),
    leaseExpiryCase(open),
    completedRetentionCase(open),
    concurrentClaimersCase(open),
    largeBatchCase(open),
    deadLetterStorageCase(open),
    deadLetterRetentionCase(open),
    deadLetterProfileCase(open),
    processedSinceCase(open),
    ...ownerCases(open, options.owners),
    runCountingCase(open, options.runCounting),
    fingerprintsCase(open, options.fingerprints),
    clockStepCase(open),
    emptyBatchesCase(open),
  ];
}
