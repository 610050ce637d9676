/**
 * OpenTelemetry as a {@link WebhookInstrumentation}, following the messaging semantic
 * conventions: a `receive passfort` span per request, a CONSUMER `process passfort` span per
 * webhook (active while its handlers run, so their own spans nest under it), queue work linked
 * to the request that enqueued it, and metrics with OTel names and units. Entry:
 * `@passfort-webhooks/core/otel`. The README's telemetry table lists every span, attribute and
 * metric; a test holds it against what the SDK exports.
 */
import {
  type Attributes,
  context,
  type Link,
  type Meter,
  metrics,
  type Span,
  SpanKind,
  SpanStatusCode,
  TraceFlags,
  type Tracer,
  trace,
} from '@opentelemetry/api';
import { isPassfortEventName } from '../events/event-schemas.js';
import type {
  DeliveryOrigin,
  EnvelopeEnd,
  EnvelopeInfo,
  EnvelopeOutcome,
  EnvelopeScope,
  WebhookInstrumentation,
} from './instrumentation.js';

/** Options of {@link openTelemetryInstrumentation}. */
export interface OpenTelemetryOptions {
  /** @default trace.getTracer('@passfort-webhooks/core') */
  tracer?: Tracer;
  /** @default metrics.getMeter('@passfort-webhooks/core') */
  meter?: Meter;
}

/**
 * The metric names (OpenTelemetry's dotted form). A Prometheus exporter writes dots as
 * underscores and adds `_total` to counters: `passfort.webhooks.received` is scraped as
 * `passfort_webhooks_received_total`.
 */
export const METRIC_NAMES = {
  received: 'passfort.webhooks.received',
  processed: 'passfort.webhooks.processed',
  duplicates: 'passfort.webhooks.duplicates',
  echoes: 'passfort.webhooks.echoes',
  failures: 'passfort.webhooks.failures',
  deadLetters: 'passfort.webhooks.dead_letters',
  deferred: 'passfort.webhooks.deferred',
  queued: 'passfort.webhooks.queued',
  ackDuration: 'passfort.webhooks.ack.duration',
  queueDepth: 'passfort.webhooks.queue.depth',
  drift: 'passfort.webhooks.drift',
  silent: 'passfort.webhooks.silent',
} as const;

/**
 * Bucket bounds of the ack latency, in seconds: 1 ms to 10 s, dense around Passfort's 5 s
 * (batched) and 10 s (single) deadlines. The SDK's default bounds are for milliseconds and
 * put every answer of a healthy receiver in the first bucket.
 */
export const ACK_DURATION_BUCKETS = [
  0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 4, 5, 7.5, 10,
];

/** The messaging system, as `messaging.system` names it. */
const SYSTEM = 'passfort';
/** Longest event name put on a span: enough for any documented one. */
const EVENT_MAX = 64;

/** An event name bounded for metric attributes: a documented one, or `other`. */
function boundedEvent(event: string): string {
  return isPassfortEventName(event) ? event : 'other';
}

/**
 * OpenTelemetry instrumentation for a receiver or a worker. Spans and metrics carry no secret
 * and no payload value: failure texts are redacted before they reach it.
 *
 * @example
 * const webhooks = createPassfortWebhooks({ secret, instrumentation: openTelemetryInstrumentation() });
 */
export function openTelemetryInstrumentation(
  options: OpenTelemetryOptions = {},
): WebhookInstrumentation {
  const tracer = options.tracer ?? trace.getTracer('@passfort-webhooks/core');
  const meter = options.meter ?? metrics.getMeter('@passfort-webhooks/core');
  const counter = (name: string, description: string, unit = '{webhook}') =>
    meter.createCounter(name, { description, unit });
  const received = counter(METRIC_NAMES.received, 'Webhooks received, redeliveries included');
  const byOutcome: Record<EnvelopeOutcome, ReturnType<typeof counter>> = {
    processed: counter(METRIC_NAMES.processed, 'Webhooks whose handlers ran and succeeded'),
    duplicate: counter(METRIC_NAMES.duplicates, 'Webhooks skipped as already handled'),
    echo: counter(METRIC_NAMES.echoes, 'Collected-data webhooks recognised as our own writes'),
    failed: counter(METRIC_NAMES.failures, 'Webhooks whose handlers failed (retried later)'),
    'dead-lettered': counter(METRIC_NAMES.deadLetters, 'Webhooks set aside as dead letters'),
    deferred: counter(METRIC_NAMES.deferred, 'Webhooks not run now, redelivered later'),
    queued: counter(METRIC_NAMES.queued, 'Webhooks handed to the queue'),
  };
  const ackDuration = meter.createHistogram(METRIC_NAMES.ackDuration, {
    description: 'Time from receiving a webhook request to answering it',
    unit: 's',
    advice: { explicitBucketBoundaries: ACK_DURATION_BUCKETS },
  });
  let depth = 0;
  meter
    .createObservableGauge(METRIC_NAMES.queueDepth, {
      description: 'Webhooks enqueued and not yet handled',
      unit: '{webhook}',
    })
    .addCallback((result) => result.observe(depth));
  const drift = counter(
    METRIC_NAMES.drift,
    'Sightings of event names, keys and enum values this version does not know yet',
    '{sighting}',
  );
  let silent = 0;
  meter
    .createObservableGauge(METRIC_NAMES.silent, {
      description: '1 while no authentic webhook arrived within expectWebhookWithin, else 0',
      unit: '1',
    })
    .addCallback((result) => result.observe(silent));

  /** Counts a webhook's final word and writes it on its span. */
  function endEnvelope(span: Span, info: EnvelopeInfo, result: EnvelopeEnd): void {
    const attributes: Attributes = { 'passfort.webhook.event': boundedEvent(info.event) };
    span.setAttribute('passfort.webhook.outcome', result.outcome);
    if (result.late === true) span.setAttribute('passfort.webhook.late', true);
    if (result.errorCode !== undefined) {
      span.setAttribute('passfort.webhook.error_code', result.errorCode);
    }
    if (result.failure !== undefined) {
      span.setAttribute('error.type', result.failure.type);
      attributes['error.type'] = result.failure.type;
      span.recordException({
        name: result.failure.type,
        message: result.failure.message,
        ...(result.failure.stack === undefined ? {} : { stack: result.failure.stack }),
      });
    } else if (result.outcome === 'deferred' && result.errorCode !== undefined) {
      attributes['error.type'] = result.errorCode;
    }
    if (result.reason !== undefined) {
      span.setAttribute('passfort.dead_letter.reason', result.reason);
      attributes['passfort.dead_letter.reason'] = result.reason;
    }
    if (result.outcome === 'failed' || result.outcome === 'dead-lettered') {
      span.setStatus({
        code: SpanStatusCode.ERROR,
        message: result.failure?.message ?? result.errorCode ?? result.outcome,
      });
    }
    byOutcome[result.outcome].add(1, attributes);
  }

  function envelopeAttributes(info: EnvelopeInfo): Attributes {
    return {
      'messaging.system': SYSTEM,
      'messaging.operation.type': 'process',
      'messaging.operation.name': 'process',
      'messaging.message.id': info.id,
      'passfort.webhook.event': info.event.slice(0, EVENT_MAX),
      'passfort.webhook.index': info.index,
      ...(info.attempt === undefined ? {} : { 'passfort.webhook.attempt': info.attempt }),
    };
  }

  /** Runs `fn` with `span` active: spans started inside nest under it. */
  const activeIn =
    (span: Span) =>
    <T>(fn: () => T): T =>
      context.with(trace.setSpan(context.active(), span), fn);

  return {
    delivery(kind, origin?: DeliveryOrigin) {
      if (kind === 'worker') return workerScope(origin);
      // Inside an HTTP server span (instrumentation-http), this one is a step of it; without
      // one, it is the server span itself.
      const inHttpSpan = trace.getActiveSpan() !== undefined;
      const span = tracer.startSpan('receive passfort', {
        kind: inHttpSpan ? SpanKind.INTERNAL : SpanKind.SERVER,
        attributes: {
          'messaging.system': SYSTEM,
          'messaging.operation.type': 'receive',
          'messaging.operation.name': 'receive',
          ...(origin?.method === undefined ? {} : { 'http.request.method': origin.method }),
          ...(origin?.path === undefined ? {} : { 'url.path': origin.path }),
        },
      });
      const parent = trace.setSpan(context.active(), span);
      return {
        envelope(info): EnvelopeScope {
          const child = tracer.startSpan(
            'process passfort',
            { kind: SpanKind.CONSUMER, attributes: envelopeAttributes(info) },
            parent,
          );
          return {
            run: activeIn(child),
            end(result) {
              endEnvelope(child, info, result);
              child.end();
            },
          };
        },
        traceparent: () => traceparentOf(span),
        end(result) {
          if (result.status !== undefined) {
            span.setAttribute('http.response.status_code', result.status);
          }
          span.setAttribute('messaging.batch.message_count', result.counts.received);
          if (result.errorCode !== undefined) {
            span.setAttribute('passfort.webhooks.error_code', result.errorCode);
            span.setAttribute('error.type', result.errorCode);
          }
          if ((result.status ?? 200) >= 500) {
            span.setStatus({ code: SpanStatusCode.ERROR, message: result.errorCode ?? 'error' });
          }
          received.add(result.counts.received);
          ackDuration.record(result.durationMs / 1000, {
            'http.response.status_code': result.status ?? 0,
          });
          span.end();
        },
      };
    },
    queueDepth(waiting) {
      depth = waiting;
    },
    drift(observation) {
      drift.add(1, {
        'passfort.drift.kind': observation.kind,
        'passfort.webhook.event': boundedEvent(observation.event),
      });
    },
    silence(isSilent) {
      silent = isSilent ? 1 : 0;
    },
  };

  /**
   * A worker's delivery is one webhook: one CONSUMER `process passfort` span, a root linked to
   * the request that enqueued it (the request span ended long ago, so it is a link, not a parent).
   */
  function workerScope(origin: DeliveryOrigin | undefined) {
    const link = origin?.traceparent === undefined ? undefined : linkTo(origin.traceparent);
    let span: Span | undefined;
    let info: EnvelopeInfo | undefined;
    return {
      envelope(envelopeInfo: EnvelopeInfo): EnvelopeScope {
        info = envelopeInfo;
        const started = tracer.startSpan('process passfort', {
          kind: SpanKind.CONSUMER,
          attributes: envelopeAttributes(envelopeInfo),
          ...(link === undefined ? {} : { links: [link] }),
        });
        span = started;
        return {
          run: activeIn(started),
          end(result) {
            endEnvelope(started, envelopeInfo, result);
          },
        };
      },
      end() {
        // The webhook's span is the delivery's span: it ends here, after its final word.
        if (span !== undefined && info !== undefined) span.end();
      },
    };
  }
}

/** A span's context as a W3C `traceparent`, or undefined when it is not recording. */
function traceparentOf(span: Span): string | undefined {
  const { traceId, spanId, traceFlags } = span.spanContext();
  if (!trace.isSpanContextValid(span.spanContext())) return undefined;
  return `00-${traceId}-${spanId}-${(traceFlags & 0xff).toString(16).padStart(2, '0')}`;
}

/** The link a `traceparent` stands for, or undefined when it is malformed. */
function linkTo(traceparent: string): Link | undefined {
  const match = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/.exec(traceparent);
  if (match === null) return undefined;
  const spanContext = {
    traceId: match[1]!,
    spanId: match[2]!,
    traceFlags: Number.parseInt(match[3]!, 16) & TraceFlags.SAMPLED,
    isRemote: true,
  };
  return trace.isSpanContextValid(spanContext) ? { context: spanContext } : undefined;
}
