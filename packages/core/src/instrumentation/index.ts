/**
 * For authors of a metrics or tracing backend other than OpenTelemetry (which is
 * `@passfort-webhooks/core/otel`): the hooks a receiver and a worker call, and what they pass.
 * @module
 */
export type { DriftObservation } from '../observability/drift-report.js';
export type {
  DeliveryCounts,
  DeliveryEnd,
  DeliveryOrigin,
  DeliveryScope,
  EnvelopeEnd,
  EnvelopeInfo,
  EnvelopeOutcome,
  EnvelopeScope,
  ReportedFailure,
  WebhookInstrumentation,
} from '../observability/instrumentation.js';
