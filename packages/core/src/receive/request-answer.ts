import { PassfortWebhookError } from '../errors/passfort-webhook-error.js';
import {
  type DeliveryCounts,
  type DeliveryScope,
  NO_SCOPE,
} from '../observability/instrumentation.js';
import { describeError, type Logger } from '../observability/logger.js';
import type { SampledWarnings } from '../observability/sampled-warnings.js';
import type { WebhookResponse } from './webhook-request.js';
import { countsOf, countsResponse, errorResponse } from './webhook-response.js';

/** What one request came to: its response, its counts, and the code that stopped it. */
export interface RequestAnswer {
  readonly response: WebhookResponse;
  readonly counts: DeliveryCounts;
  readonly errorCode?: string;
}

const NO_COUNTS: DeliveryCounts = Object.freeze({
  received: 0,
  processed: 0,
  duplicates: 0,
  deadLettered: 0,
  echoes: 0,
});

/** The answer to a delivery: a 200 with its counts, or the error that stopped it. */
export function deliveryAnswer(
  outcome: DeliveryCounts & { readonly error?: PassfortWebhookError },
): RequestAnswer {
  const { error } = outcome;
  const counts = countsOf(outcome);
  return error === undefined
    ? { response: countsResponse(counts), counts }
    : { response: errorResponse(error, counts), counts, errorCode: error.code };
}

/** An answer that delivered nothing (the status page), with zero counts. */
export function plainAnswer(response: WebhookResponse): RequestAnswer {
  return { response, counts: NO_COUNTS };
}

/**
 * The answer to a refusal or failure, logged: a 5xx as an error; a refusal at info, and at
 * warn once a minute per code (a wrong secret or path shows up without flooding the log).
 */
export function refusalAnswer(
  error: unknown,
  logger: Logger,
  warnings: SampledWarnings,
): RequestAnswer {
  const response = errorResponse(error);
  const errorCode = PassfortWebhookError.is(error) ? error.code : 'INTERNAL_ERROR';
  if (response.status >= 500) {
    logger.error?.({ error: describeError(error) }, 'webhook request failed');
  } else {
    const fields = {
      outcome: 'refused',
      status: response.status,
      errorCode,
      error: describeError(error),
    };
    logger.info?.(fields, 'webhook request refused');
    warnings.warn(logger, errorCode, fields, 'webhook request refused');
  }
  return { response, counts: NO_COUNTS, errorCode };
}

/** Ends the request's span and logs the answer. */
export function reportAnswer(
  answer: RequestAnswer,
  durationMs: number,
  scope: DeliveryScope,
  logger: Logger,
): void {
  const { response, counts, errorCode } = answer;
  if (scope !== NO_SCOPE) {
    scope.end({
      status: response.status,
      durationMs,
      counts,
      ...(errorCode === undefined ? {} : { errorCode }),
    });
  }
  logger.info?.(
    { outcome: 'answered', status: response.status, durationMs, ...counts },
    'webhook request answered',
  );
}
