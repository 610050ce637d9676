/**
 * Receive Passfort webhooks on any runtime: secret check, batches, typed events, ordered
 * exactly-once dispatch. Web-standard APIs only. This entry holds what an app developer uses;
 * the rest is on subpaths (the package README's "public surface" table says what goes where):
 * `./node`, the stores (`./redis`, `./postgres`, `./mysql`, `./sqlite`, `./d1`), `./bullmq`,
 * `./sync` and `./client` (two-way sync), `./otel`, `./console`, and for authors of stores,
 * adapters and instrumentation `./store`, `./adapter` and `./instrumentation`.
 * @module
 */

// The receiver and the worker: what an app developer creates.
export {
  createPassfortWebhooks,
  type FetchOptions,
  type PassfortWebhooks,
  type PassfortWebhooksOptions,
} from './create-passfort-webhooks.js';
export { createWorker, type PassfortWorker, type WorkerOptions } from './create-worker.js';
// Handlers: what a handler receives, and the state and dead letters a receiver exposes.
export type { DeadLetters, ReplayOptions, ReplayResult } from './delivery/replay/dead-letters.js';
export type { WebhookStatus } from './delivery/status/status-tracker.js';
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
// Errors a handler, onError or a replay meets: one hierarchy, each with its code.
export { ConfigurationError } from './errors/configuration-error.js';
export { DeadLetterNotFoundError } from './errors/dead-letter-not-found-error.js';
export { DeadLetterNotReplayableError } from './errors/dead-letter-not-replayable-error.js';
export { DeadLetterSupersededError } from './errors/dead-letter-superseded-error.js';
export type { PassfortWebhookErrorCode } from './errors/error-status.js';
export { HandlerError } from './errors/handler-error.js';
export { HandlerTimeoutError } from './errors/handler-timeout-error.js';
export { PassfortWebhookError } from './errors/passfort-webhook-error.js';
export { QueueUnavailableError } from './errors/queue-unavailable-error.js';
export { SchemaMismatchError } from './errors/schema-mismatch-error.js';
export { SenderSilentError } from './errors/sender-silent-error.js';
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
// Logging, the in-memory store and queue, and Passfort's addresses for `allowIps`.
export type { Logger } from './observability/logger.js';
export { type InProcessQueueOptions, inProcessQueue } from './queues/in-process-queue.js';
export { PASSFORT_IPS } from './receive/ip/passfort-ips.js';
export { type MemoryStoreOptions, memoryStore } from './stores/memory/memory-store.js';
