/**
 * For authors of a dedupe store, a loop-guard store or a queue: the contracts delivery keeps
 * its state through. An app uses a store (`memoryStore()`, `@passfort-webhooks/core/postgres`,
 * ...) without importing any of these.
 * @module
 */

export type {
  QueueCloseOptions,
  QueueConsumer,
  QueuedReplay,
  QueuedWebhook,
  QueueProgress,
  WebhookQueue,
} from '../queues/webhook-queue.js';
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
} from '../stores/dedupe-store.js';
export type {
  TransactionalStore,
  TransactionClientOf,
  TransactionIsolation,
  TransactionOptions,
  TransactOnceOptions,
} from '../stores/transactional-store.js';
export type { LoopGuardStore } from '../sync/loop-guard-store.js';
