/**
 * Receive Passfort webhooks on any runtime: secret check, batches, typed events, ordered
 * exactly-once dispatch. Web-standard APIs only; Node-specific parts live in `./node`.
 * @module
 */
export {
  createPassfortWebhooks,
  type FetchOptions,
  type PassfortWebhooks,
  type PassfortWebhooksOptions,
  resolvePassfortWebhooks,
} from './create-passfort-webhooks.js';
export type { Awaitable, ClaimOptions, ClaimOutcome, DedupeStore } from './dedupe-store.js';
export {
  AuthenticationError,
  ConfigurationError,
  errorStatus,
  HandlerError,
  PassfortWebhookError,
  type PassfortWebhookErrorCode,
  type PassfortWebhookErrorOptions,
  PayloadError,
  SchemaMismatchError,
  StoreError,
} from './errors.js';
export { type CollectedData, collectedDataSchema } from './events/collected-data-schema.js';
export {
  apiKeyInfoSchema,
  type MonitoringEventType,
  monitoringEventTypeSchema,
  type PassfortUser,
  type ProductBadge,
  type ProductStatus,
  productBadgeSchema,
  productStatusSchema,
  type RiskLevel,
  riskLevelSchema,
  userSchema,
} from './events/common-schemas.js';
export {
  eventDataSchemas,
  isPassfortEventName,
  type PassfortEventName,
  passfortEventNames,
} from './events/event-schemas.js';
export type {
  AnyPassfortEvent,
  PassfortEvent,
  PassfortEventData,
  UnvalidatedPassfortEvent,
} from './events/passfort-event.js';
export type { Logger } from './logger.js';
export { type MemoryStoreOptions, memoryStore } from './memory-store.js';
export { PASSFORT_MAX_BATCH_SIZE } from './unwrap-batch.js';
export type {
  AnyWebhookHandler,
  WebhookContext,
  WebhookErrorHandler,
  WebhookFailure,
  WebhookHandler,
  WebhookHandlerMap,
} from './webhook-handlers.js';
export type {
  HeaderSource,
  WebhookRequest,
  WebhookRequestBody,
  WebhookResponse,
} from './webhook-request.js';
