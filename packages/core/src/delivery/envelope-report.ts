import type { DeliveryScope, EnvelopeEnd } from '../observability/instrumentation.js';
import { NO_SCOPE } from '../observability/instrumentation.js';
import type { Logger } from '../observability/logger.js';
import type { BatchItem } from '../receive/validate-envelope.js';
import type { WebhookResult } from './webhook-result.js';

/** One webhook's part in a delivery, reported to the instrumentation and the logger. */
export interface EnvelopeReport {
  end(result: EnvelopeEnd): void;
}

/** The report when neither instrumentation nor a debug logger listens: it does nothing. */
export const SILENT_REPORT: EnvelopeReport = { end() {} };

/**
 * Starts a webhook's report: its span (when instrumented) and its log line at the end
 * (when the logger has a debug level). Costs nothing when neither is configured.
 */
export function startReport(
  logger: Logger,
  scope: DeliveryScope,
  item: BatchItem,
  attempt?: number,
): EnvelopeReport {
  if (scope === NO_SCOPE && logger.debug === undefined) return SILENT_REPORT;
  const info = {
    id: item.event.id,
    event: item.event.event,
    index: item.index,
    ...(attempt === undefined ? {} : { attempt }),
  };
  const span = scope.envelope(info);
  return {
    end(result) {
      span.end(result);
      const errorCode = result.errorCode === undefined ? {} : { errorCode: result.errorCode };
      logger.debug?.(
        { outcome: result.outcome, ...info, ...errorCode },
        `webhook ${result.outcome}`,
      );
    },
  };
}

/** How a webhook's result is reported. */
export function endOf(result: WebhookResult): EnvelopeEnd {
  if (result.kind === 'failed') return { outcome: 'failed', errorCode: result.error.code };
  if (result.kind === 'dead-lettered') return { outcome: 'dead-lettered' };
  return { outcome: result.kind };
}
