/**
 * OpenTelemetry instrumentation for the receiver and workers: a span per delivery with a
 * child span per webhook, and counters and a histogram of outcomes. Needs `@opentelemetry/api`
 * (a peer dependency) and an SDK set up by the app. Runtime-neutral.
 * @module
 */
export {
  METRIC_NAMES,
  type OpenTelemetryOptions,
  openTelemetryInstrumentation,
} from '../observability/otel-instrumentation.js';
