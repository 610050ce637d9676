/**
 * OpenTelemetry as a {@link WebhookInstrumentation}: a span per delivery with a child span
 * per webhook, and counters and a histogram of outcomes. Entry: `@passfort-webhooks/core/otel`.
 */
import {
  context,
  type Meter,
  metrics,
  SpanKind,
  SpanStatusCode,
  type Tracer,
  trace,
} from '@opentelemetry/api';
import { isPassfortEventName } from '../events/event-schemas.js';
import type { EnvelopeOutcome, WebhookInstrumentation } from './instrumentation.js';

/** Options of {@link openTelemetryInstrumentation}. */
export interface OpenTelemetryOptions {
  /** @default trace.getTracer('@passfort-webhooks/core') */
  tracer?: Tracer;
  /** @default metrics.getMeter('@passfort-webhooks/core') */
  meter?: Meter;
}

/** The metric names, as exported (Prometheus adds `_total` to counters). */
export const METRIC_NAMES = {
  received: 'passfort_webhooks_received',
  processed: 'passfort_webhooks_processed',
  duplicates: 'passfort_webhooks_duplicates',
  echoes: 'passfort_webhooks_echoes',
  failures: 'passfort_webhooks_failures',
  deadLetters: 'passfort_webhooks_dead_letters',
  queued: 'passfort_webhooks_queued',
  ackDuration: 'passfort_webhooks_ack_duration',
  queueDepth: 'passfort_webhooks_queue_depth',
  drift: 'passfort_webhooks_drift',
  silent: 'passfort_webhooks_silent',
} as const;

/**
 * Spans: `passfort.webhooks.receive` per request (a `worker` delivery is
 * `passfort.webhooks.work`), with attributes `http.response.status_code`,
 * `passfort.webhooks.received` and the error code; a child `passfort.webhooks.process` per
 * webhook with `passfort.webhook.id`, `passfort.webhook.event`, `passfort.webhook.index`,
 * `passfort.webhook.attempt` and `passfort.webhook.outcome`. Never the secret or payloads.
 *
 * Metrics ({@link METRIC_NAMES}): counters of webhooks received, processed, skipped as
 * duplicates, suppressed as echoes, failed, dead-lettered and queued, each with an `event`
 * attribute (the Passfort event name); `passfort_webhooks_ack_duration` (seconds, by
 * `status`); the queue depth as a gauge; `passfort_webhooks_drift`, sightings of what this
 * version does not know yet, by `kind` and `event` (a documented name, or `other` for unknown
 * events, so the attribute stays bounded); `passfort_webhooks_silent`, 1 while the sender is
 * silent (`expectWebhookWithin`), else 0.
 *
 * @example
 * const webhooks = createPassfortWebhooks({ secret, instrumentation: openTelemetryInstrumentation() });
 */
export function openTelemetryInstrumentation(
  options: OpenTelemetryOptions = {},
): WebhookInstrumentation {
  const tracer = options.tracer ?? trace.getTracer('@passfort-webhooks/core');
  const meter = options.meter ?? metrics.getMeter('@passfort-webhooks/core');
  const counter = (name: string, description: string) => meter.createCounter(name, { description });
  const received = counter(METRIC_NAMES.received, 'Webhooks received, redeliveries included');
  const byOutcome: Partial<Record<EnvelopeOutcome, ReturnType<typeof counter>>> = {
    processed: counter(METRIC_NAMES.processed, 'Webhooks whose handlers ran and succeeded'),
    duplicate: counter(METRIC_NAMES.duplicates, 'Webhooks skipped as already handled'),
    echo: counter(
      METRIC_NAMES.echoes,
      'Collected-data webhooks suppressed as echoes of our own writes',
    ),
    failed: counter(METRIC_NAMES.failures, 'Webhooks whose handlers failed (retried later)'),
    'dead-lettered': counter(METRIC_NAMES.deadLetters, 'Webhooks set aside as dead letters'),
    queued: counter(METRIC_NAMES.queued, 'Webhooks handed to the queue'),
  };
  const ackDuration = meter.createHistogram(METRIC_NAMES.ackDuration, {
    description: 'Time from receiving a webhook request to answering it',
    unit: 's',
  });
  let depth = 0;
  meter
    .createObservableGauge(METRIC_NAMES.queueDepth, {
      description: 'Webhooks enqueued and not yet handled',
    })
    .addCallback((result) => result.observe(depth));

  const drift = counter(
    METRIC_NAMES.drift,
    'Sightings of event names, keys and enum values this version does not know yet',
  );
  let silent = 0;
  meter
    .createObservableGauge(METRIC_NAMES.silent, {
      description: '1 while no authentic webhook arrived within expectWebhookWithin, else 0',
    })
    .addCallback((result) => result.observe(silent));

  return {
    drift(observation) {
      drift.add(1, {
        kind: observation.kind,
        event: isPassfortEventName(observation.event) ? observation.event : 'other',
      });
    },
    silence(isSilent) {
      silent = isSilent ? 1 : 0;
    },
    delivery(kind) {
      const span = tracer.startSpan(
        kind === 'request' ? 'passfort.webhooks.receive' : 'passfort.webhooks.work',
        {
          kind: kind === 'request' ? SpanKind.SERVER : SpanKind.CONSUMER,
        },
      );
      const parent = trace.setSpan(context.active(), span);
      return {
        envelope(info) {
          const child = tracer.startSpan(
            'passfort.webhooks.process',
            {
              attributes: {
                'passfort.webhook.id': info.id,
                'passfort.webhook.event': info.event,
                'passfort.webhook.index': info.index,
                ...(info.attempt === undefined ? {} : { 'passfort.webhook.attempt': info.attempt }),
              },
            },
            parent,
          );
          return {
            end(result) {
              child.setAttribute('passfort.webhook.outcome', result.outcome);
              if (result.errorCode !== undefined)
                child.setAttribute('passfort.webhook.error_code', result.errorCode);
              if (result.outcome === 'failed')
                child.setStatus({
                  code: SpanStatusCode.ERROR,
                  message: result.errorCode ?? 'failed',
                });
              byOutcome[result.outcome]?.add(1, { event: info.event });
              child.end();
            },
          };
        },
        end(result) {
          if (result.status !== undefined)
            span.setAttribute('http.response.status_code', result.status);
          span.setAttribute('passfort.webhooks.received', result.counts.received);
          if (result.errorCode !== undefined)
            span.setAttribute('passfort.webhooks.error_code', result.errorCode);
          if (
            (result.status ?? 200) >= 500 ||
            (kind === 'worker' && result.errorCode !== undefined)
          ) {
            span.setStatus({ code: SpanStatusCode.ERROR, message: result.errorCode ?? 'error' });
          }
          if (kind === 'request') {
            received.add(result.counts.received);
            ackDuration.record(result.durationMs / 1000, { status: result.status ?? 0 });
          }
          span.end();
        },
      };
    },
    queueDepth(waiting) {
      depth = waiting;
    },
  };
}
