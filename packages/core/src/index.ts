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
export {
  createWorker,
  type PassfortWorker,
  type WorkerOptions,
} from './create-worker.js';
export {
  type Awaitable,
  type ClaimOptions,
  type ClaimOutcome,
  DEFAULT_RETENTION_MS,
  type DeadLetter,
  type DeadLetterReason,
  type DedupeStore,
  type ListDeadLettersOptions,
  type ReleaseOptions,
} from './dedupe-store.js';
export {
  DELIVERY_COUNTS_HEADER,
  parseDeliveryCounts,
} from './delivery-counts-header.js';
export {
  AuthenticationError,
  ConfigurationError,
  errorStatus,
  HandlerError,
  PassfortApiError,
  type PassfortApiErrorDetail,
  PassfortConflictError,
  PassfortWebhookError,
  type PassfortWebhookErrorCode,
  type PassfortWebhookErrorOptions,
  PayloadError,
  SchemaMismatchError,
  StoreError,
} from './errors.js';
export { type EventStreamLike, eventStreamReader } from './event-stream-reader.js';
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
export { type InProcessQueueOptions, inProcessQueue } from './in-process-queue.js';
export type {
  DeliveryCounts,
  DeliveryEnd,
  DeliveryScope,
  EnvelopeEnd,
  EnvelopeInfo,
  EnvelopeOutcome,
  WebhookInstrumentation,
} from './instrumentation.js';
export type { AllowIps, TrustProxyOption } from './ip/ip-allow-list.js';
export { ALL_PASSFORT_IPS, PASSFORT_IPS } from './ip/passfort-ips.js';
export type { Logger } from './logger.js';
export { type MemoryStoreOptions, memoryStore } from './memory-store.js';
export { canonicalCollectedData } from './sync/canonical-collected-data.js';
export {
  type CollectedDataChange,
  type CompiledDiffOptions,
  compileDiffOptions,
  type DiffOptions,
  diffCollectedData,
  PASSFORT_GENERATED_PATHS,
} from './sync/diff-collected-data.js';
export {
  type CollectedDataWebhookData,
  createLoopGuard,
  type LoopGuard,
  type LoopGuardOptions,
  type LoopGuardStore,
  type MemoryLoopGuardStoreOptions,
  memoryLoopGuardStore,
} from './sync/loop-guard.js';
export type { PathPattern, PathSegment } from './sync/path-pattern.js';
export { PASSFORT_MAX_BATCH_SIZE } from './unwrap-batch.js';
export type {
  DeadLetters,
  WebhookEngineOptions,
  WebhookHandling,
} from './webhook-engine.js';
export type {
  AnyWebhookHandler,
  CollectedDataContext,
  CollectedDataEventName,
  ContextFor,
  WebhookContext,
  WebhookErrorHandler,
  WebhookFailure,
  WebhookHandler,
  WebhookHandlerMap,
} from './webhook-handlers.js';
export type { SchemaMismatchPolicy } from './webhook-processor.js';
export {
  laneOf,
  type QueueConsumer,
  type QueuedWebhook,
  type WebhookQueue,
} from './webhook-queue.js';
export type {
  BodyReader,
  HeaderSource,
  WebhookRequest,
  WebhookRequestBody,
  WebhookResponse,
} from './webhook-request.js';
export type { FailureSummary, WebhookStatus } from './webhook-status.js';
