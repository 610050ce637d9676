import type { WebhookInstrumentation } from '../observability/instrumentation.js';
import type { Logger } from '../observability/logger.js';
import type { Redact } from '../observability/redact-secrets.js';
import type { DedupeStore } from '../stores/dedupe-store.js';
import type { LoopGuard } from '../sync/loop-guard.js';
import type { HandlerRegistry } from './run/handler-registry.js';
import type { StatusTracker } from './status/status-tracker.js';
import type { LeaseKeeper } from './time/lease-keeper.js';

/** What to do with a documented event whose payload no longer matches its schema. */
export type SchemaMismatchPolicy = 'dead-letter' | 'deliver';

/**
 * Everything delivery needs, validated and defaulted once by the engine and shared by
 * inline delivery, queue workers and replay.
 */
export interface DeliverySettings {
  readonly store: DedupeStore;
  readonly handlers: HandlerRegistry;
  readonly logger: Logger;
  readonly status: StatusTracker;
  readonly leaseMs: number;
  readonly maxAttempts: number;
  readonly onSchemaMismatch: SchemaMismatchPolicy;
  /** Wait before a queue worker retries a failed webhook; doubles per attempt. */
  readonly retryDelayMs: number;
  /** How long one webhook's handlers, and each onError listener, may run before they count as failed. */
  readonly handlerTimeoutMs: number;
  readonly loopGuard: LoopGuard | undefined;
  readonly deliverEchoes: boolean;
  readonly instrumentation: WebhookInstrumentation | undefined;
  /** Renews the claims of running deliveries, so leases can be short. */
  readonly leases: LeaseKeeper;
  /**
   * This receiver's or worker's fencing token: a random id the store records with its claims,
   * so that a delivery that lost its lease (paused past it, then taken over) cannot complete,
   * release or renew the claim that took it over (see `OwnerOption`).
   */
  readonly owner: string;
  /**
   * Scrubs the webhook secrets (rotated ones too) from the failure text delivery keeps or logs:
   * dead letters, `status().recentFailures`, handler-failure log lines. None: text unchanged
   * (a worker created without `secret`).
   */
  readonly redact?: Redact;
}
