import { type AttributeValue, metrics, trace } from '@opentelemetry/api';
import { AggregationTemporality, MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { describe, expect, it } from 'vitest';
import { bearer, productStatusChanged, SECRET, webhookId } from '../../test/webhook-fixtures.js';
import { createPassfortWebhooks } from '../create-passfort-webhooks.js';
import { createLoopGuard } from '../sync/loop-guard.js';
import { METRIC_NAMES, openTelemetryInstrumentation } from './otel-instrumentation.js';

class TestReader extends MetricReader {
  constructor() {
    super({ aggregationTemporalitySelector: () => AggregationTemporality.CUMULATIVE });
  }
  protected async onForceFlush(): Promise<void> {}
  protected async onShutdown(): Promise<void> {}
}

const PAYLOAD_MARKER = 'payload-marker-must-not-leak';

function envelope(n: number) {
  const e = productStatusChanged(webhookId(n));
  (e.data as Record<string, unknown>)['customer_ref'] = PAYLOAD_MARKER;
  return e;
}

function echoEnvelope(n: number) {
  return {
    id: webhookId(n),
    event: 'COLLECTED_DATA_CHANGED',
    secret: SECRET,
    timestamp: 1,
    data: {
      profile_id: 'p-echo',
      old_data: null,
      new_data: { entity_type: 'INDIVIDUAL', customer_ref: PAYLOAD_MARKER },
      user: null,
    },
  };
}

describe('openTelemetryInstrumentation', () => {
  it('counts every outcome and traces every delivery exactly, without secrets or payloads', async () => {
    const spans = new InMemorySpanExporter();
    const tracerProvider = new BasicTracerProvider({
      spanProcessors: [new SimpleSpanProcessor(spans)],
    });
    const reader = new TestReader();
    const meterProvider = new MeterProvider({ readers: [reader] });
    const logs: string[] = [];
    const logger = Object.fromEntries(
      (['debug', 'info', 'warn', 'error'] as const).map((level) => [
        level,
        (o: object, m?: string) => void logs.push(`${level} ${JSON.stringify(o)} ${m}`),
      ]),
    );
    const loopGuard = createLoopGuard();
    await loopGuard.rememberWrite('p-echo', {
      entity_type: 'INDIVIDUAL',
      customer_ref: PAYLOAD_MARKER,
    });
    const webhooks = createPassfortWebhooks({
      secret: SECRET,
      loopGuard,
      maxAttempts: 2,
      logger,
      instrumentation: openTelemetryInstrumentation({
        tracer: tracerProvider.getTracer('test'),
        meter: meterProvider.getMeter('test'),
      }),
    });
    webhooks.onAny((event) => {
      if (event.id === webhookId(4)) throw new Error('downstream service unavailable');
    });
    const post = (payload: unknown[]) =>
      webhooks.handle({ method: 'POST', headers: bearer(), body: JSON.stringify(payload) });

    expect((await post([envelope(1), envelope(2)])).status).toBe(200);
    const second = await post([
      envelope(1),
      envelope(2),
      echoEnvelope(3),
      envelope(4),
      envelope(5),
    ]);
    expect(second.status).toBe(500);
    const third = await post([envelope(1), envelope(2), echoEnvelope(3), envelope(4), envelope(5)]);
    expect(third.counts).toMatchObject({ processed: 1, duplicates: 3, deadLettered: 1 });

    // Metrics: exactly the expected counts.
    const { resourceMetrics } = await reader.collect();
    const totals = new Map<string, number>();
    for (const scope of resourceMetrics.scopeMetrics) {
      for (const metric of scope.metrics) {
        const sum = metric.dataPoints.reduce(
          (acc, point) =>
            acc +
            (typeof point.value === 'number'
              ? point.value
              : (point.value as { count: number }).count),
          0,
        );
        totals.set(metric.descriptor.name, sum);
      }
    }
    expect(Object.fromEntries(totals)).toMatchObject({
      [METRIC_NAMES.received]: 12,
      [METRIC_NAMES.processed]: 3,
      [METRIC_NAMES.duplicates]: 5,
      [METRIC_NAMES.echoes]: 1,
      [METRIC_NAMES.failures]: 1,
      [METRIC_NAMES.deadLetters]: 1,
      [METRIC_NAMES.ackDuration]: 3,
    });
    // status() agrees with the metrics.
    expect(await webhooks.status()).toMatchObject({ echoes: 1, deadLetters: 1 });

    // Traces: a span per request, a child per webhook decided, with its outcome.
    const finished = spans.getFinishedSpans();
    const requests = finished.filter((span) => span.name === 'receive passfort');
    expect(requests.map((span) => span.attributes['http.response.status_code'])).toEqual([
      200, 500, 200,
    ]);
    const outcomes = finished
      .filter((span) => span.name === 'process passfort')
      .map(
        (span) =>
          `${span.attributes['passfort.webhook.index']}:${span.attributes['passfort.webhook.outcome']}`,
      );
    expect(outcomes).toEqual([
      '0:processed',
      '1:processed',
      '0:duplicate',
      '1:duplicate',
      '2:echo',
      '3:failed',
      // Not started after the failure, released for the redelivery: counted once, as deferred.
      '4:deferred',
      '0:duplicate',
      '1:duplicate',
      '2:duplicate',
      '3:dead-lettered',
      '4:processed',
    ]);
    const processSpans = finished.filter((s) => s.name === 'process passfort');
    expect(processSpans.length).toBeGreaterThan(0);
    for (const span of processSpans) {
      const parent = span.parentSpanContext?.spanId;
      expect(requests.map((r) => r.spanContext().spanId)).toContain(parent);
    }

    // Nothing secret or from payloads in attributes or log lines.
    const attributeText = JSON.stringify(
      finished.map((span) => span.attributes as Record<string, AttributeValue>),
    );
    const logText = logs.join('\n');
    for (const text of [attributeText, logText]) {
      expect(text).not.toContain(SECRET);
      expect(text).not.toContain(PAYLOAD_MARKER);
    }
    expect(logText).toContain('"outcome":"processed"');
    expect(logText).toContain('"outcome":"answered"');
    trace.disable();
    metrics.disable();
  });

  it('counts drift by kind and a bounded event, and reports silence as a gauge', async () => {
    const reader = new TestReader();
    const meterProvider = new MeterProvider({ readers: [reader] });
    const webhooks = createPassfortWebhooks({
      secret: SECRET,
      logger: false,
      expectWebhookWithin: 1,
      instrumentation: openTelemetryInstrumentation({ meter: meterProvider.getMeter('t') }),
    });
    const points = async (name: string) => {
      const { resourceMetrics } = await reader.collect();
      return resourceMetrics.scopeMetrics
        .flatMap((scope) => scope.metrics)
        .filter((metric) => metric.descriptor.name === name)
        .flatMap((metric) => metric.dataPoints.map((p) => ({ ...p.attributes, value: p.value })));
    };
    // Silent from start-up after 1 ms; status() notices it at once.
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect((await webhooks.status()).silence.silentSince).not.toBeNull();
    expect(await points(METRIC_NAMES.silent)).toEqual([{ value: 1 }]);

    const drifting = envelope(1);
    Object.assign(drifting.data, { new_status: 'ON_HOLD' });
    const unknown = { ...envelope(2), event: `NEW_EVENT_${PAYLOAD_MARKER}` };
    const answer = await webhooks.handle({
      method: 'POST',
      headers: bearer(),
      body: JSON.stringify([drifting, unknown, drifting]),
    });
    expect(answer.status).toBe(200);
    expect(await points(METRIC_NAMES.silent)).toEqual([{ value: 0 }]);
    expect(await points(METRIC_NAMES.drift)).toEqual(
      expect.arrayContaining([
        {
          'passfort.drift.kind': 'unknown-enum-value',
          'passfort.webhook.event': 'PRODUCT_STATUS_CHANGED',
          value: 2,
        },
        { 'passfort.drift.kind': 'unknown-event', 'passfort.webhook.event': 'other', value: 1 },
      ]),
    );
    expect(JSON.stringify(await points(METRIC_NAMES.drift))).not.toContain(PAYLOAD_MARKER);
    await webhooks.close();
  });
});
