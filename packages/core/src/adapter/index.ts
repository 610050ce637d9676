/**
 * For authors of a framework adapter: the framework-neutral request and response a receiver's
 * `handle()` takes and returns, body readers, the counts header, and the option check the
 * built-in adapters use. An app mounts an adapter without importing any of these.
 * @module
 */
export { resolvePassfortWebhooks } from '../create-passfort-webhooks.js';
export { AuthenticationError } from '../errors/authentication-error.js';
export { DeadlineExceededError } from '../errors/deadline-exceeded-error.js';
export { errorStatus } from '../errors/error-status.js';
export { ForbiddenAddressError } from '../errors/forbidden-address-error.js';
export { PayloadError } from '../errors/payload-error.js';
export { ReceiverClosingError } from '../errors/receiver-closing-error.js';
export {
  type KnownOptions,
  refuseUnknownOptions,
} from '../options/refuse-unknown-options.js';
export { DELIVERY_COUNTS_HEADER, parseDeliveryCounts } from '../receive/delivery-counts-header.js';
export { discardBody } from '../receive/discard-body.js';
export { type EventStreamLike, eventStreamReader } from '../receive/event-stream-reader.js';
export { PASSFORT_MAX_BATCH_SIZE } from '../receive/unwrap-batch.js';
export type {
  BodyReader,
  HeaderSource,
  WebhookRequest,
  WebhookRequestBody,
  WebhookResponse,
} from '../receive/webhook-request.js';
