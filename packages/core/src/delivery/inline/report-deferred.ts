import type { BatchItem } from '../../events/validate-event-data.js';
import { type DeliveryScope, NO_SCOPE } from '../../observability/instrumentation.js';
import type { Logger } from '../../observability/logger.js';
import { type BatchClaim, DUPLICATE_IN_BATCH } from '../claims/claim-batch.js';
import { startReport } from '../run/envelope-report.js';

/**
 * Reports the webhooks from `position` on that a batch run claimed and will not start as
 * deferred, with why: each is released for the redelivery, and counted once as such. Nothing
 * to do when neither instrumentation nor debug logs listen.
 */
export function reportDeferred(
  logger: Logger,
  scope: DeliveryScope,
  items: readonly BatchItem[],
  claims: readonly BatchClaim[],
  position: number,
  errorCode: string,
): void {
  if (scope === NO_SCOPE && logger.debug === undefined) return;
  for (let at = position; at < items.length; at++) {
    const claim = claims[at];
    if (claim === DUPLICATE_IN_BATCH || claim?.status !== 'claimed') continue;
    startReport(logger, scope, items[at]!).end({ outcome: 'deferred', errorCode });
  }
}
