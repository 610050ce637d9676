/**
 * The README's telemetry tables are a promise to whoever builds dashboards on them: this test
 * drives a receiver (inline and queued) through every outcome with the real SDK and checks that
 * the metrics and spans it exports are exactly the ones the tables list, with their units.
 */
import { readFileSync } from 'node:fs';
import { metrics, trace } from '@opentelemetry/api';
import { AggregationTemporality, MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { expect, it } from 'vitest';
import { bearer, productStatusChanged, SECRET, webhookId } from '../../test/webhook-fixtures.js';
import { createPassfortWebhooks } from '../create-passfort-webhooks.js';
import { inProcessQueue } from '../queues/in-process-queue.js';
import { createLoopGuard } from '../sync/loop-guard.js';
import { openTelemetryInstrumentation } from './otel-instrumentation.js';

class TestReader extends MetricReader {
  constructor() {
    super({ aggregationTemporalitySelector: () => AggregationTemporality.CUMULATIVE });
  }
  protected async onForceFlush(): Promise<void> {}
  protected async onShutdown(): Promise<void> {}
}

/** The rows of the README table that follows `marker`, as arrays of cells without backticks. */
function tableAfter(marker: string): string[][] {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const lines = readme.slice(readme.indexOf(marker)).split('\n').slice(1);
  const rows: string[][] = [];
  for (const line of lines) {
    if (!line.startsWith('|')) break;
    rows.push(
      line
        .split('|')
        .slice(1, -1)
        .map((cell) => cell.trim().replaceAll('`', '')),
    );
  }
  return rows.slice(2); // header and rule
}

it('exports exactly the metrics and spans the README lists, with their units and kinds', async () => {
  const spans = new InMemorySpanExporter();
  const tracerProvider = new BasicTracerProvider({
    spanProcessors: [new SimpleSpanProcessor(spans)],
  });
  const reader = new TestReader();
  const meterProvider = new MeterProvider({ readers: [reader] });
  const instrumentation = () =>
    openTelemetryInstrumentation({
      tracer: tracerProvider.getTracer('readme'),
      meter: meterProvider.getMeter('readme'),
    });
  const loopGuard = createLoopGuard();
  await loopGuard.rememberWrite('p-echo', { entity_type: 'INDIVIDUAL' });
  const inline = createPassfortWebhooks({
    secret: SECRET,
    logger: false,
    loopGuard,
    maxAttempts: 2,
    deadlineMs: 100,
    expectWebhookWithin: 1,
    instrumentation: instrumentation(),
  });
  inline.on('PRODUCT_STATUS_CHANGED', async (event) => {
    if (event.data.application_id === 'fails') throw new Error('CRM down');
    if (event.data.application_id === 'slow') await new Promise((r) => setTimeout(r, 250));
  });
  const send = (webhooks: typeof inline, body: unknown) =>
    webhooks.handle({ method: 'POST', headers: bearer(), body: JSON.stringify(body) });
  const withData = (n: number, data: Record<string, unknown>) => {
    const webhook = productStatusChanged(webhookId(n));
    Object.assign(webhook.data, data);
    return webhook;
  };
  await new Promise((r) => setTimeout(r, 5));
  await inline.status(); // silent since start-up: the gauge is set
  await send(inline, [withData(1, { new_status: 'ON_HOLD' })]); // processed, drift
  await send(inline, [withData(1, {})]); // duplicate
  await send(inline, [withData(2, { application_id: 'fails' })]); // failed
  await send(inline, [withData(2, { application_id: 'fails' })]); // dead-lettered
  await send(inline, [withData(3, { application_id: 'slow' }), withData(4, {})]); // deferred
  await new Promise((r) => setTimeout(r, 300));
  const echo = {
    id: webhookId(5),
    event: 'COLLECTED_DATA_CHANGED',
    secret: SECRET,
    timestamp: 1,
    data: { profile_id: 'p-echo', old_data: null, new_data: { entity_type: 'INDIVIDUAL' } },
  };
  expect((await send(inline, [echo])).counts).toMatchObject({ echoes: 1 });
  await inline.close();

  const queued = createPassfortWebhooks({
    secret: SECRET,
    logger: false,
    delivery: 'queue',
    queue: inProcessQueue(),
    instrumentation: instrumentation(),
  });
  let done!: () => void;
  const handled = new Promise<void>((resolve) => {
    done = resolve;
  });
  queued.on('PRODUCT_STATUS_CHANGED', () => done());
  await send(queued, [withData(9, {})]);
  await handled;
  await queued.close();

  const { resourceMetrics } = await reader.collect();
  const exported = new Map<string, string>();
  for (const metric of resourceMetrics.scopeMetrics.flatMap((scope) => scope.metrics)) {
    exported.set(metric.descriptor.name, metric.descriptor.unit);
  }
  const documented = new Map(tableAfter('<!-- telemetry-metrics').map((row) => [row[0]!, row[2]!]));
  expect(documented.size).toBeGreaterThan(10);
  // Every metric exported is documented with its unit, and every documented one is exported.
  expect(Object.fromEntries(exported)).toEqual(Object.fromEntries(documented));

  const spanKinds = new Map<string, Set<number>>();
  for (const span of spans.getFinishedSpans()) {
    if (!spanKinds.has(span.name)) spanKinds.set(span.name, new Set());
    spanKinds.get(span.name)!.add(span.kind);
  }
  const documentedSpans = tableAfter('<!-- telemetry-spans').map((row) => row[0]!);
  expect([...spanKinds.keys()].sort()).toEqual([...documentedSpans].sort());
  trace.disable();
  metrics.disable();
});
