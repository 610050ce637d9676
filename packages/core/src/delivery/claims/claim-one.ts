import type { ClaimOutcome } from '../../stores/dedupe-store.js';
import type { DeliverySettings } from '../delivery-settings.js';

/**
 * A queue worker's claim of the one webhook it is about to run, fenced by this worker's owner
 * (see `DeliverySettings.owner`); its attempt is counted by the claim. Rejects when the store
 * does, for the queue to retry the job.
 */
export async function claimOne(
  { store, leaseMs, owner }: DeliverySettings,
  id: string,
): Promise<ClaimOutcome | undefined> {
  const [claim] = await store.claim([id], { leaseMs, owner });
  return claim;
}
