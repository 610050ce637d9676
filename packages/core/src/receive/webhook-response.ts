import { PassfortWebhookError } from '../errors/passfort-webhook-error.js';
import type { DeliveryCounts } from '../observability/instrumentation.js';
import { DELIVERY_COUNTS_HEADER, formatDeliveryCounts } from './delivery-counts-header.js';
import type { WebhookResponse } from './webhook-request.js';

/** A JSON response with the given status. */
export function jsonResponse(status: number, body: unknown): WebhookResponse {
  return {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' },
    body: JSON.stringify(body),
  };
}

/** The counts of a delivery outcome, without its error or anything else. */
export function countsOf(outcome: DeliveryCounts): DeliveryCounts {
  const counts = {
    received: outcome.received,
    processed: outcome.processed,
    duplicates: outcome.duplicates,
    deadLettered: outcome.deadLettered,
    echoes: outcome.echoes,
  };
  return outcome.queued === undefined ? counts : { ...counts, queued: outcome.queued };
}

/**
 * The 200 response of a delivery: no body, the counts in {@link DELIVERY_COUNTS_HEADER}
 * (see there why), and for in-process callers on the response itself. No Cache-Control:
 * it answers a POST, which no cache stores without explicit freshness (RFC 9111), and every
 * header is work on each of the busiest responses.
 */
export function countsResponse(counts: DeliveryCounts): WebhookResponse {
  return {
    status: 200,
    // A literal key, not [DELIVERY_COUNTS_HEADER]: V8 builds an object literal with a
    // computed key as a slower dictionary, and Node walks these headers on every answer.
    headers: { 'passfort-webhooks-counts': formatDeliveryCounts(counts) },
    body: '',
    counts,
  };
}

/**
 * The response for an error: its status from the error table and a JSON body with its code
 * and message. Anything that is not a library error becomes a bare 500, details withheld.
 */
export function errorResponse(error: unknown, counts?: DeliveryCounts): WebhookResponse {
  if (!PassfortWebhookError.is(error)) {
    return jsonResponse(500, {
      error: { code: 'INTERNAL_ERROR', message: 'Internal error while receiving the webhook' },
      ...counts,
    });
  }
  // The summary: a handler's or a driver's error text is for the logs, not for the sender.
  const detail: Record<string, unknown> = {
    code: error.code,
    message: error.summary ?? error.message,
  };
  if (error.index !== undefined) detail['index'] = error.index;
  if (error.id !== undefined) detail['id'] = error.id;
  const response = jsonResponse(error.status, { error: detail, ...counts });
  if (counts !== undefined) {
    response.headers[DELIVERY_COUNTS_HEADER] = formatDeliveryCounts(counts);
    response.counts = counts;
  }
  if (error.code === 'METHOD_NOT_ALLOWED') response.headers['allow'] = 'POST';
  if (error.status === 503) response.headers['retry-after'] = '5';
  return response;
}
