/**
 * What an SRE reads in a trace, through the real SDK, a real context manager and the real
 * HTTP auto-instrumentation (not stand-ins): a handler's own spans nest under its webhook's
 * span, queue work links back to its request, the latency histogram spreads over its buckets,
 * a late completion counts as processed, and failures carry their exception and reason.
 */
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { context, metrics, propagation, SpanKind, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import {
  AggregationTemporality,
  type HistogramMetricData,
  MeterProvider,
  MetricReader,
} from '@opentelemetry/sdk-metrics';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { bearer, productStatusChanged, SECRET, webhookId } from '../../test/webhook-fixtures.js';
import { createPassfortWebhooks, type PassfortWebhooks } from '../create-passfort-webhooks.js';
import { fromIncomingMessage } from '../node/from-incoming-message.js';
import { writeServerResponse } from '../node/write-server-response.js';
import { inProcessQueue } from '../queues/in-process-queue.js';
import {
  ACK_DURATION_BUCKETS,
  METRIC_NAMES,
  openTelemetryInstrumentation,
} from './otel-instrumentation.js';

class TestReader extends MetricReader {
  constructor() {
    super({ aggregationTemporalitySelector: () => AggregationTemporality.CUMULATIVE });
  }
  protected async onForceFlush(): Promise<void> {}
  protected async onShutdown(): Promise<void> {}
}

const spans = new InMemorySpanExporter();
const tracerProvider = new BasicTracerProvider({
  spanProcessors: [new SimpleSpanProcessor(spans)],
});
const contextManager = new AsyncLocalStorageContextManager();
let unregister: () => void;
// The http module as the instrumentation patches it: loaded through require after it is on.
let http: typeof import('node:http');

beforeAll(() => {
  contextManager.enable();
  context.setGlobalContextManager(contextManager);
  trace.setGlobalTracerProvider(tracerProvider);
  unregister = registerInstrumentations({ instrumentations: [new HttpInstrumentation()] });
  http = createRequire(import.meta.url)('node:http');
});
afterAll(async () => {
  unregister();
  trace.disable();
  context.disable();
  propagation.disable();
  metrics.disable();
  await tracerProvider.shutdown();
});
beforeEach(() => spans.reset());

function instrumented() {
  const reader = new TestReader();
  const meterProvider = new MeterProvider({ readers: [reader] });
  const instrumentation = openTelemetryInstrumentation({
    tracer: trace.getTracer('passfort-webhooks-test'),
    meter: meterProvider.getMeter('passfort-webhooks-test'),
  });
  async function points(name: string) {
    const { resourceMetrics } = await reader.collect();
    return resourceMetrics.scopeMetrics
      .flatMap((scope) => scope.metrics)
      .filter((metric) => metric.descriptor.name === name);
  }
  async function total(name: string, attributes: Record<string, unknown> = {}) {
    let sum = 0;
    for (const metric of await points(name)) {
      for (const point of metric.dataPoints) {
        const matches = Object.entries(attributes).every(([k, v]) => point.attributes[k] === v);
        if (matches) sum += typeof point.value === 'number' ? point.value : 0;
      }
    }
    return sum;
  }
  return { instrumentation, points, total };
}

/** Serves `webhooks` over real HTTP (auto-instrumented) and returns its URL and a closer. */
async function serve(webhooks: PassfortWebhooks) {
  const server = http.createServer(async (req, res) => {
    writeServerResponse(res, await webhooks.handle(fromIncomingMessage(req)));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/passfort`;
  return {
    url,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Posts with node:http (instrumented, so the client span propagates its context). */
function post(url: string, body: unknown): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = http.request(url, { method: 'POST', headers: bearer() }, (response) => {
      response.resume();
      response.on('end', () => resolve(response.statusCode ?? 0));
    });
    request.on('error', reject);
    request.end(JSON.stringify(body));
  });
}

const byName = (name: string) => spans.getFinishedSpans().filter((s) => s.name === name);
const parentOf = (span: ReadableSpan) => span.parentSpanContext?.spanId;

describe('OpenTelemetry traces', () => {
  it("nests a handler's own spans, and its outgoing HTTP call, under its webhook's span", async () => {
    const { instrumentation } = instrumented();
    const webhooks = createPassfortWebhooks({ secret: SECRET, logger: false, instrumentation });
    const downstream = http.createServer((_req, res) => res.end('ok'));
    await new Promise<void>((resolve) => downstream.listen(0, '127.0.0.1', resolve));
    const downstreamUrl = `http://127.0.0.1:${(downstream.address() as AddressInfo).port}/crm`;
    webhooks.on('PRODUCT_STATUS_CHANGED', async () => {
      await trace.getTracer('app').startActiveSpan('app.update-crm', async (span) => {
        await new Promise<void>((resolve) =>
          http.get(downstreamUrl, (r) => r.resume().on('end', resolve)),
        );
        span.end();
      });
    });
    const receiver = await serve(webhooks);
    try {
      expect(
        await post(receiver.url, [
          productStatusChanged(webhookId(1)),
          productStatusChanged(webhookId(2)),
        ]),
      ).toBe(200);
    } finally {
      await receiver.close();
      await new Promise<void>((resolve) => downstream.close(() => resolve()));
      await webhooks.close();
    }
    const [receive] = byName('receive passfort');
    const processes = byName('process passfort');
    const appSpans = byName('app.update-crm');
    expect(receive).toBeDefined();
    // The receive span is a step of the HTTP server span, not a second server span.
    const httpServer = spans
      .getFinishedSpans()
      .find((s) => s.kind === SpanKind.SERVER && s.spanContext().spanId === parentOf(receive!));
    expect(httpServer).toBeDefined();
    expect(receive!.kind).toBe(SpanKind.INTERNAL);
    expect(receive!.attributes).toMatchObject({
      'messaging.system': 'passfort',
      'messaging.operation.type': 'receive',
      'messaging.batch.message_count': 2,
      'http.request.method': 'POST',
      'url.path': '/hooks/passfort',
      'http.response.status_code': 200,
    });
    expect(processes).toHaveLength(2);
    for (const process of processes) {
      expect(process.kind).toBe(SpanKind.CONSUMER);
      expect(parentOf(process)).toBe(receive!.spanContext().spanId);
      expect(process.attributes).toMatchObject({
        'messaging.operation.type': 'process',
        'passfort.webhook.outcome': 'processed',
      });
    }
    // Each handler's span under its own webhook's span, and its HTTP call under that.
    expect(appSpans).toHaveLength(2);
    const processIds = processes.map((s) => s.spanContext().spanId);
    expect(appSpans.map(parentOf).sort()).toEqual([...processIds].sort());
    const clientCalls = spans
      .getFinishedSpans()
      .filter((s) => s.kind === SpanKind.CLIENT && s.attributes['url.full'] === downstreamUrl);
    expect(clientCalls).toHaveLength(2);
    expect(clientCalls.map(parentOf).sort()).toEqual(
      appSpans.map((s) => s.spanContext().spanId).sort(),
    );
  });

  it('links a queue worker’s span to the request that enqueued the webhook', async () => {
    const { instrumentation } = instrumented();
    const webhooks = createPassfortWebhooks({
      secret: SECRET,
      logger: false,
      delivery: 'queue',
      queue: inProcessQueue(),
      instrumentation,
    });
    let handled!: () => void;
    const done = new Promise<void>((resolve) => {
      handled = resolve;
    });
    webhooks.on('PRODUCT_STATUS_CHANGED', async () => {
      await trace.getTracer('app').startActiveSpan('app.work', async (span) => span.end());
      handled();
    });
    const receiver = await serve(webhooks);
    try {
      expect(await post(receiver.url, productStatusChanged(webhookId(3)))).toBe(200);
      await done;
    } finally {
      await receiver.close();
      await webhooks.close();
    }
    const [receive] = byName('receive passfort');
    const worker = byName('process passfort').find(
      (s) => s.attributes['passfort.webhook.outcome'] === 'processed',
    );
    expect(worker).toBeDefined();
    expect(worker!.kind).toBe(SpanKind.CONSUMER);
    expect(worker!.links.map((link) => link.context.spanId)).toEqual([
      receive!.spanContext().spanId,
    ]);
    expect(worker!.links[0]!.context.traceId).toBe(receive!.spanContext().traceId);
    const [work] = byName('app.work');
    expect(parentOf(work!)).toBe(worker!.spanContext().spanId);
  });
});

describe('OpenTelemetry metrics', () => {
  it('spreads ack latencies from 1 ms to 2.5 s over several buckets in seconds', async () => {
    const { instrumentation, points } = instrumented();
    for (const durationMs of [1, 4, 30, 300, 2_500]) {
      instrumentation.delivery('request').end({
        status: 200,
        durationMs,
        counts: { received: 1, processed: 1, duplicates: 0, deadLettered: 0, echoes: 0 },
      });
    }
    const [histogram] = (await points(METRIC_NAMES.ackDuration)) as HistogramMetricData[];
    expect(histogram!.descriptor.unit).toBe('s');
    const point = histogram!.dataPoints[0]!;
    expect(point.attributes).toEqual({ 'http.response.status_code': 200 });
    expect(point.value.buckets.boundaries).toEqual(ACK_DURATION_BUCKETS);
    const used = point.value.buckets.counts.filter((count) => count > 0);
    expect(used).toHaveLength(5);
    expect(point.value.count).toBe(5);
  });

  it('counts a handler that finishes after the deadline as processed, late, and its redelivery as a duplicate', async () => {
    const { instrumentation, total } = instrumented();
    const webhooks = createPassfortWebhooks({
      secret: SECRET,
      logger: false,
      deadlineMs: 50,
      instrumentation,
    });
    let finish!: () => void;
    const finished = new Promise<void>((resolve) => {
      finish = resolve;
    });
    webhooks.on('PRODUCT_STATUS_CHANGED', async () => {
      await new Promise((resolve) => setTimeout(resolve, 200));
      finish();
    });
    const webhook = productStatusChanged(webhookId(4));
    const send = () =>
      webhooks.handle({ method: 'POST', headers: bearer(), body: JSON.stringify(webhook) });
    expect((await send()).status).toBe(503);
    await finished;
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect((await send()).status).toBe(200);
    await webhooks.close();
    expect(await total(METRIC_NAMES.processed)).toBe(1);
    expect(await total(METRIC_NAMES.deferred)).toBe(0);
    expect(await total(METRIC_NAMES.duplicates)).toBe(1);
    const [late] = byName('process passfort').filter((s) => s.attributes['passfort.webhook.late']);
    expect(late?.attributes['passfort.webhook.outcome']).toBe('processed');
  });

  it('gives failures their exception, class and reason, redacted, on span and metric', async () => {
    const { instrumentation, total } = instrumented();
    const webhooks = createPassfortWebhooks({
      secret: SECRET,
      logger: false,
      maxAttempts: 2,
      instrumentation,
    });
    webhooks.on('PRODUCT_STATUS_CHANGED', () => {
      throw new TypeError(`CRM refused Authorization: Bearer ${SECRET}`);
    });
    const webhook = productStatusChanged(webhookId(5));
    const mismatch = { ...productStatusChanged(webhookId(6)), data: { application_id: 42 } };
    const send = (body: unknown) =>
      webhooks.handle({ method: 'POST', headers: bearer(), body: JSON.stringify(body) });
    expect((await send(webhook)).status).toBe(500);
    expect((await send(webhook)).status).toBe(200);
    expect((await send(mismatch)).status).toBe(200);
    await webhooks.close();

    const [failed, deadLettered, setAside] = byName('process passfort');
    expect(failed!.attributes).toMatchObject({
      'passfort.webhook.outcome': 'failed',
      'error.type': 'TypeError',
    });
    expect(failed!.events.map((event) => event.name)).toEqual(['exception']);
    expect(failed!.events[0]!.attributes).toMatchObject({ 'exception.type': 'TypeError' });
    expect(String(failed!.events[0]!.attributes?.['exception.message'])).toContain('[redacted]');
    expect(deadLettered!.attributes).toMatchObject({
      'passfort.webhook.outcome': 'dead-lettered',
      'passfort.dead_letter.reason': 'max-attempts',
      'error.type': 'TypeError',
    });
    expect(setAside!.attributes).toMatchObject({
      'passfort.webhook.outcome': 'dead-lettered',
      'passfort.dead_letter.reason': 'schema-mismatch',
    });
    expect(await total(METRIC_NAMES.failures, { 'error.type': 'TypeError' })).toBe(1);
    expect(
      await total(METRIC_NAMES.deadLetters, { 'passfort.dead_letter.reason': 'max-attempts' }),
    ).toBe(1);
    expect(
      await total(METRIC_NAMES.deadLetters, { 'passfort.dead_letter.reason': 'schema-mismatch' }),
    ).toBe(1);
    const everything = JSON.stringify(
      spans.getFinishedSpans().map((s) => ({ a: s.attributes, e: s.events, st: s.status })),
    );
    for (let i = 0; i + 8 <= SECRET.length; i++)
      expect(everything).not.toContain(SECRET.slice(i, i + 8));
  });
});
