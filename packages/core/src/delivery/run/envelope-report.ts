import type { BatchItem } from '../../events/validate-event-data.js';
import type {
  DeliveryScope,
  EnvelopeEnd,
  ReportedFailure,
} from '../../observability/instrumentation.js';
import { NO_SCOPE } from '../../observability/instrumentation.js';
import type { Logger } from '../../observability/logger.js';
import { noRedaction, type Redact, redactError } from '../../observability/redact-secrets.js';
import type { WebhookResult } from './webhook-result.js';

/** One webhook's part in a delivery, reported to the instrumentation and the logger. */
export interface EnvelopeReport {
  /** Runs `fn` (the webhook's handlers) with the webhook's span active, when there is one. */
  run<T>(fn: () => T): T;
  end(result: EnvelopeEnd): void;
}

const runAsItIs = <T>(fn: () => T): T => fn();

/** The report when neither instrumentation nor a debug logger listens: it does nothing. */
export const SILENT_REPORT: EnvelopeReport = { run: runAsItIs, end() {} };

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
    run: span.run === undefined ? runAsItIs : (fn) => span.run!(fn),
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

/**
 * How a webhook's result is reported: a failure with its class and its redacted text (a
 * handler's error may quote a secret), a dead letter with its reason.
 */
export function endOf(result: WebhookResult, redact: Redact = noRedaction): EnvelopeEnd {
  if (result.kind === 'failed') {
    return {
      outcome: 'failed',
      errorCode: result.error.code,
      failure: reported(result.error, redact),
    };
  }
  if (result.kind === 'dead-lettered') {
    return {
      outcome: 'dead-lettered',
      errorCode: result.error.code,
      reason: result.reason,
      failure: reported(result.error, redact),
    };
  }
  return { outcome: result.kind };
}

/** A failure as instrumentation sees it: the thrown error's class when a handler threw one. */
function reported(error: Error, redact: Redact): ReportedFailure {
  const thrown = error.cause instanceof Error ? error.cause : error;
  const summary = redactError(thrown, redact);
  return {
    type: thrown === error ? error.name : thrown.name,
    message: summary.message,
    ...(summary.stack === undefined ? {} : { stack: summary.stack }),
  };
}
