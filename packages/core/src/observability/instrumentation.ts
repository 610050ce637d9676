/**
 * Hooks for metrics and tracing. Nothing is called, and nothing is allocated for it, when no
 * instrumentation is configured. `@passfort-webhooks/core/otel` implements it on
 * OpenTelemetry; any other backend can implement it the same way.
 */

import type { DriftObservation } from './drift-report.js';

/** What became of one webhook in a delivery. */
export type EnvelopeOutcome =
  /** Its handlers ran and succeeded, and it was recorded. */
  | 'processed'
  /** Already handled (or repeated within the batch): skipped. */
  | 'duplicate'
  /** Recognised as the echo of our own API write: acked without running handlers. */
  | 'echo'
  /** A handler failed; it will run again when Passfort redelivers (or the worker retries). */
  | 'failed'
  /** Set aside in the dead letters and acked. */
  | 'dead-lettered'
  /** Not run now (another delivery holds it, the deadline or the store stopped the batch). */
  | 'deferred'
  /** Handed to the queue (queue delivery). */
  | 'queued';

/** The webhook a delivery is about to decide on. */
export interface EnvelopeInfo {
  readonly id: string;
  readonly event: string;
  readonly index: number;
  /** Times its handlers have been started, this one included, when they are about to run. */
  readonly attempt?: number;
}

/** A failure as instrumentation may see it: its class and text, every known secret redacted. */
export interface ReportedFailure {
  /** The error's class, e.g. `HandlerError`, or the cause's when a handler threw (`TypeError`). */
  readonly type: string;
  /** The message, redacted. */
  readonly message: string;
  /** The stack, redacted. */
  readonly stack?: string;
}

/** How a webhook's part of the delivery ended: its final word, reported once. */
export interface EnvelopeEnd {
  readonly outcome: EnvelopeOutcome;
  /** The error code when the outcome is `failed`, `dead-lettered` or `deferred`. */
  readonly errorCode?: string;
  /** Why a webhook was dead-lettered. */
  readonly reason?: 'max-attempts' | 'schema-mismatch';
  /** What failed, for `failed` and `dead-lettered`, redacted of every secret the receiver knows. */
  readonly failure?: ReportedFailure;
  /**
   * True when the webhook finished after its request was answered (the deadline passed while
   * its handler ran): the outcome is what it finally came to, not `deferred`.
   */
  readonly late?: boolean;
}

/** One webhook's part of a delivery, from its start to its final word. */
export interface EnvelopeScope {
  /**
   * Runs the webhook's handlers (and `onError` listeners) with this webhook's span active, so
   * spans they start nest under it. Optional: without it, handlers run as they are.
   */
  run?<T>(fn: () => T): T;
  /** Called once, with the webhook's final outcome. */
  end(result: EnvelopeEnd): void;
}

/** Where a delivery comes from. */
export interface DeliveryOrigin {
  /** The request's method and path (requests only, when the adapter knows them). */
  readonly method?: string | undefined;
  readonly path?: string | undefined;
  /**
   * A queued webhook's enqueuing request, as a W3C `traceparent` (workers only): the worker's
   * span links to it.
   */
  readonly traceparent?: string | undefined;
}

/** Counts of a delivery, as the response body gives them. */
export interface DeliveryCounts {
  readonly received: number;
  readonly processed: number;
  readonly duplicates: number;
  readonly deadLettered: number;
  readonly echoes: number;
  readonly queued?: number;
}

/** How a delivery ended: an HTTP request answered, or a queued webhook worked. */
export interface DeliveryEnd {
  /** The HTTP status answered (requests only). */
  readonly status?: number;
  readonly durationMs: number;
  readonly counts: DeliveryCounts;
  /** The error code when the delivery was refused or stopped. */
  readonly errorCode?: string;
}

/** One delivery: its webhooks' outcomes, then its end. */
export interface DeliveryScope {
  /** A webhook of the delivery starts; `end` is called once, with its final outcome. */
  envelope(info: EnvelopeInfo): EnvelopeScope;
  /**
   * The delivery's trace context as a W3C `traceparent`, stored with each webhook it enqueues
   * so a worker's span can link back to it. Optional.
   */
  traceparent?(): string | undefined;
  /** Called once, when the delivery is over (a late webhook may end after it). */
  end(result: DeliveryEnd): void;
}

/** The instrumentation hook interface: the `instrumentation` option of the receiver and worker. */
export interface WebhookInstrumentation {
  /** A request arrives (`'request'`), or a queue worker takes a webhook (`'worker'`). */
  delivery(kind: 'request' | 'worker', origin?: DeliveryOrigin): DeliveryScope;
  /** The queue's depth, reported by queue delivery after it enqueues. */
  queueDepth?(waiting: number): void;
  /** Each sighting of something Passfort sent that this version does not know yet (see `status().drift`). */
  drift?(observation: DriftObservation): void;
  /** The sender fell silent (`true`) or was heard again (`false`); see `expectWebhookWithin`. */
  silence?(silent: boolean): void;
}

const ENDED = { end() {} };

/** A scope that records nothing, for code paths that always want one. */
export const NO_SCOPE: DeliveryScope = { envelope: () => ENDED, end() {} };
