/**
 * Receive Passfort webhooks on any runtime: secret check, batches, typed events, ordered
 * exactly-once dispatch. Web-standard APIs only; Node-specific parts live in `./node`, and
 * the optional backends in `./redis`, `./postgres`, `./bullmq`, `./client` and `./otel`.
 *
 * What is exported here, and for whom, is listed in the package README ("The public
 * surface"): each name is a promise, so everything else stays internal.
 * @module
 */

// The receiver and the worker: what an app developer creates.
export {
  createPassfortWebhooks,
  type FetchOptions,
  type PassfortWebhooks,
  type PassfortWebhooksOptions,
  resolvePassfortWebhooks,
} from './create-passfort-webhooks.js';
export { createWorker, type PassfortWorker, type WorkerOptions } from './create-worker.js';
// Handlers: what a handler receives, and the state and dead letters a receiver exposes.
export type { DeadLetters, ReplayOptions, ReplayResult } from './delivery/replay/dead-letters.js';
export type {
  FailureSummary,
  LatencyPercentiles,
  WebhookCounts,
  WebhookStatus,
} from './delivery/status/status-tracker.js';
export type { WebhookHandling } from './delivery/webhook-engine.js';
export type {
  AnyWebhookHandler,
  CollectedDataContext,
  ContextFor,
  ReplayInfo,
  WebhookContext,
  WebhookErrorHandler,
  WebhookFailure,
  WebhookHandler,
  WebhookHandlerMap,
} from './delivery/webhook-handler.js';
// Errors: one hierarchy, one table from code to HTTP status.
export { AuthenticationError } from './errors/authentication-error.js';
export { ConfigurationError } from './errors/configuration-error.js';
export { DeadLetterNotFoundError } from './errors/dead-letter-not-found-error.js';
export { DeadLetterNotReplayableError } from './errors/dead-letter-not-replayable-error.js';
export { DeadLetterSupersededError } from './errors/dead-letter-superseded-error.js';
export { DeadlineExceededError } from './errors/deadline-exceeded-error.js';
export { errorStatus, type PassfortWebhookErrorCode } from './errors/error-status.js';
export { ForbiddenAddressError } from './errors/forbidden-address-error.js';
export { HandlerError } from './errors/handler-error.js';
export { HandlerTimeoutError } from './errors/handler-timeout-error.js';
export { PassfortWebhookError } from './errors/passfort-webhook-error.js';
export { PayloadError } from './errors/payload-error.js';
export { QueueUnavailableError } from './errors/queue-unavailable-error.js';
export { ReceiverClosingError } from './errors/receiver-closing-error.js';
export { SchemaMismatchError } from './errors/schema-mismatch-error.js';
export { StoreUnavailableError } from './errors/store-unavailable-error.js';
export { WebhookBusyError } from './errors/webhook-busy-error.js';
// Events: names, payload types and schemas.
export type { CollectedData } from './events/collected-data-schema.js';
export type {
  CheckDecision,
  CheckType,
  MonitoringEventType,
  PassfortUser,
  ProductBadge,
  ProductStatus,
  RiskLevel,
  TaskState,
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
// Observability: a logger and the instrumentation interface (OpenTelemetry is `./otel`).
export type {
  DeliveryCounts,
  DeliveryEnd,
  DeliveryScope,
  EnvelopeEnd,
  EnvelopeInfo,
  EnvelopeOutcome,
  WebhookInstrumentation,
} from './observability/instrumentation.js';
export type { Logger } from './observability/logger.js';
// For adapter authors: refuse an adapter option the adapter does not know, as the factories do.
export {
  type KnownOptions,
  refuseUnknownOptions,
} from './options/refuse-unknown-options.js';

// Queues: the in-process queue, and the interface a queue implements.
export { type InProcessQueueOptions, inProcessQueue } from './queues/in-process-queue.js';
export type {
  QueueCloseOptions,
  QueueConsumer,
  QueuedReplay,
  QueuedWebhook,
  QueueProgress,
  WebhookQueue,
} from './queues/webhook-queue.js';

// Receiving: the framework-neutral request and response an adapter maps to and from.
export { DELIVERY_COUNTS_HEADER, parseDeliveryCounts } from './receive/delivery-counts-header.js';
export { discardBody } from './receive/discard-body.js';
export { type EventStreamLike, eventStreamReader } from './receive/event-stream-reader.js';
export { PASSFORT_IPS } from './receive/ip/passfort-ips.js';
export { PASSFORT_MAX_BATCH_SIZE } from './receive/unwrap-batch.js';
export type {
  BodyReader,
  HeaderSource,
  WebhookRequest,
  WebhookRequestBody,
  WebhookResponse,
} from './receive/webhook-request.js';

// Stores: the in-memory store, and the interface a store implements.
export {
  type Awaitable,
  type ClaimOptions,
  type ClaimOutcome,
  type CompletedWebhook,
  type CompleteOptions,
  type CompleteResult,
  DEFAULT_RETENTION_MS,
  type DeadLetter,
  type DeadLetterReason,
  type DedupeStore,
  type ListDeadLettersOptions,
  type OwnerOption,
  type ProcessedSince,
  type ProcessedSinceOptions,
  type ProcessedWebhook,
  type ReleaseOptions,
} from './stores/dedupe-store.js';
export { type MemoryStoreOptions, memoryStore } from './stores/memory/memory-store.js';
export type {
  TransactionalStore,
  TransactionClientOf,
  TransactionIsolation,
  TransactionOptions,
  TransactOnceOptions,
} from './stores/transactional-store.js';

// Sync: the collected-data diff and the loop guard (the API client is `./client`).
export {
  type CollectedDataChange,
  type DiffOptions,
  diffCollectedData,
  MAX_COLLECTED_DATA_DEPTH,
  PASSFORT_GENERATED_PATHS,
} from './sync/diff-collected-data.js';
export {
  createLoopGuard,
  type IsEchoOptions,
  type LoopGuard,
  type LoopGuardOptions,
  type PendingWrite,
} from './sync/loop-guard.js';
export type { LoopGuardStore } from './sync/loop-guard-store.js';
export {
  type MemoryLoopGuardStoreOptions,
  memoryLoopGuardStore,
} from './sync/memory-loop-guard-store.js';
export { type CollectedDataEdit, mergeCollectedData } from './sync/merge-collected-data.js';
