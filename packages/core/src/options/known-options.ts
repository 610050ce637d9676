/**
 * The option names each factory accepts, one list per factory, kept complete by the compiler
 * (see {@link KnownOptions}): adding an option to a type without adding it here fails the build.
 * Type-only imports, so an entry that uses one list pulls in no other code.
 */

import type { PassfortClientOptions } from '../client/passfort-client.js';
import type { ConsoleOptions } from '../console/create-console.js';
import type { PassfortWebhooksOptions } from '../create-passfort-webhooks.js';
import type { WorkerOptions } from '../create-worker.js';
import type { WebhookEngineOptions } from '../delivery/webhook-engine.js';
import type { BullmqQueueOptions } from '../queues/bullmq-queue.js';
import type { InProcessQueueOptions } from '../queues/in-process-queue.js';
import type { MemoryStoreOptions } from '../stores/memory/memory-store.js';
import type { MysqlStoreOptions } from '../stores/mysql-store.js';
import type { PostgresStoreOptions } from '../stores/postgres-store.js';
import type { RedisStoreOptions } from '../stores/redis-store.js';
import type { LoopGuardOptions } from '../sync/loop-guard.js';
import type { MemoryLoopGuardStoreOptions } from '../sync/memory-loop-guard-store.js';
import type { PostgresLoopGuardStoreOptions } from '../sync/postgres-loop-guard-store.js';
import type { RedisLoopGuardStoreOptions } from '../sync/redis-loop-guard-store.js';
import type { KnownOptions } from './refuse-unknown-options.js';

/** What a receiver and a worker share: the engine's options. */
const ENGINE_OPTIONS = {
  store: true,
  leaseMs: true,
  maxAttempts: true,
  onSchemaMismatch: true,
  retryDelayMs: true,
  handlerTimeoutMs: true,
  stalledAfterMs: true,
  loopGuard: true,
  deliverEchoes: true,
  instrumentation: true,
  drift: true,
  expectWebhookWithin: true,
  on: true,
  logger: true,
} as const satisfies KnownOptions<WebhookEngineOptions>;

export const PASSFORT_WEBHOOKS_OPTIONS = {
  ...ENGINE_OPTIONS,
  secret: true,
  maxBodyBytes: true,
  maxBatchSize: true,
  deadlineMs: true,
  delivery: true,
  queue: true,
  consume: true,
  allowIps: true,
  trustProxy: true,
  exposeStatus: true,
} as const satisfies KnownOptions<PassfortWebhooksOptions>;

export const WORKER_OPTIONS = {
  ...ENGINE_OPTIONS,
  queue: true,
  secret: true,
} as const satisfies KnownOptions<WorkerOptions>;

export const CONSOLE_OPTIONS = {
  token: true,
  path: true,
  logger: true,
  sessionTtlMs: true,
  secureCookie: true,
} as const satisfies KnownOptions<ConsoleOptions>;

export const PASSFORT_CLIENT_OPTIONS = {
  apiKey: true,
  baseUrl: true,
  fetch: true,
  timeoutMs: true,
  deadlineMs: true,
  loopGuard: true,
  retries: true,
  retryDelayMs: true,
  maxRetryAfterMs: true,
} as const satisfies KnownOptions<PassfortClientOptions>;

export const MEMORY_STORE_OPTIONS = {
  maxEntries: true,
  retentionMs: true,
  maxDeadLetters: true,
  maxProfiles: true,
  now: true,
} as const satisfies KnownOptions<MemoryStoreOptions>;

export const REDIS_STORE_OPTIONS = {
  client: true,
  prefix: true,
  retentionMs: true,
  logger: true,
} as const satisfies KnownOptions<RedisStoreOptions>;

export const POSTGRES_STORE_OPTIONS = {
  pool: true,
  table: true,
  deadLetterTable: true,
  effectTable: true,
  retentionMs: true,
  transactionLockWaitMs: true,
  pruneIntervalMs: true,
  logger: true,
} as const satisfies KnownOptions<PostgresStoreOptions>;

export const MYSQL_STORE_OPTIONS = {
  pool: true,
  table: true,
  deadLetterTable: true,
  effectTable: true,
  retentionMs: true,
  transactionLockWaitMs: true,
  pruneIntervalMs: true,
  logger: true,
} as const satisfies KnownOptions<MysqlStoreOptions>;

export const IN_PROCESS_QUEUE_OPTIONS = {
  lanes: true,
  retryDelayMs: true,
  drainTimeoutMs: true,
  logger: true,
} as const satisfies KnownOptions<InProcessQueueOptions>;

export const BULLMQ_QUEUE_OPTIONS = {
  connection: true,
  name: true,
  prefix: true,
  lanes: true,
  keepCompletedMs: true,
  retryDelayMs: true,
  lockDurationMs: true,
  stalledIntervalMs: true,
} as const satisfies KnownOptions<BullmqQueueOptions>;

export const LOOP_GUARD_OPTIONS = {
  store: true,
  ttlMs: true,
  pendingTtlMs: true,
  ignore: true,
  normalize: true,
} as const satisfies KnownOptions<LoopGuardOptions>;

export const MEMORY_LOOP_GUARD_STORE_OPTIONS = {
  maxWrites: true,
  perProfile: true,
  maxProfiles: true,
  now: true,
} as const satisfies KnownOptions<MemoryLoopGuardStoreOptions>;

export const REDIS_LOOP_GUARD_STORE_OPTIONS = {
  client: true,
  prefix: true,
  perProfile: true,
} as const satisfies KnownOptions<RedisLoopGuardStoreOptions>;

export const POSTGRES_LOOP_GUARD_STORE_OPTIONS = {
  pool: true,
  table: true,
  perProfile: true,
} as const satisfies KnownOptions<PostgresLoopGuardStoreOptions>;
