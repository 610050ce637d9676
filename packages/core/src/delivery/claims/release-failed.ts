import { describeError } from '../../observability/logger.js';
import { noRedaction } from '../../observability/redact-secrets.js';
import type { DeliverySettings } from '../delivery-settings.js';

/**
 * Gives back the claim of a webhook whose handlers failed, with its attempt counted
 * (`failed: true`), so the redelivery (or the worker's retry) runs it again at once. Never
 * rejects: a release that fails is logged, and the claim then ends with its lease.
 */
export async function releaseFailed(
  { store, logger, owner, redact = noRedaction }: DeliverySettings,
  id: string,
): Promise<void> {
  try {
    await store.release([id], { failed: true, owner });
  } catch (releaseError) {
    // The claim expires after its lease; the redelivery waits until then.
    logger.warn?.({ error: describeError(releaseError, redact) }, 'dedupe store release failed');
  }
}
