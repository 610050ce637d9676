/**
 * What the instrumentation hook costs: handle() of a batch of 100 (memory store, one no-op
 * handler) without instrumentation, with a no-op WebhookInstrumentation, and with the
 * OpenTelemetry one on the API's no-op tracer and meter (no SDK set up). Alternating rounds.
 */
import { createPassfortWebhooks, type PassfortWebhooksOptions } from '@passfort-webhooks/core';
import type { WebhookInstrumentation } from '@passfort-webhooks/core/instrumentation';
import { openTelemetryInstrumentation } from '@passfort-webhooks/core/otel';

const SECRET = 'bench-secret';
const noop: WebhookInstrumentation = {
  delivery: () => ({ envelope: () => ({ end() {} }), end() {} }),
};

let counter = 0;
function batch(): string {
  return JSON.stringify(
    Array.from({ length: 100 }, () => ({
      id: `instr-${counter++}`,
      event: 'CHECK_COMPLETED',
      secret: SECRET,
      timestamp: 1,
      data: { profile_id: 'p', check: { id: 'c', decision: 'PASS' } },
    })),
  );
}

async function throughput(
  options: Partial<PassfortWebhooksOptions>,
  batches: number,
): Promise<number> {
  const webhooks = createPassfortWebhooks({ secret: SECRET, ...options });
  webhooks.onAny(() => {});
  const bodies = Array.from({ length: batches }, batch);
  const headers = { authorization: `Bearer ${SECRET}` };
  for (let i = 0; i < 20; i++) await webhooks.handle({ method: 'POST', headers, body: batch() });
  const start = performance.now();
  for (const body of bodies) await webhooks.handle({ method: 'POST', headers, body });
  const seconds = (performance.now() - start) / 1000;
  await webhooks.close();
  return batches / seconds;
}

export async function runInstrumentationBench(quick: boolean): Promise<{ ratio: number }> {
  const batches = quick ? 100 : 3_000;
  const best = { none: 0, noop: 0, otel: 0 };
  for (let round = 0; round < 7; round++) {
    best.none = Math.max(best.none, await throughput({}, batches));
    best.noop = Math.max(best.noop, await throughput({ instrumentation: noop }, batches));
    best.otel = Math.max(
      best.otel,
      await throughput({ instrumentation: openTelemetryInstrumentation() }, batches),
    );
  }
  console.log(
    `\nInstrumentation cost: handle() of batches of 100, ${batches.toLocaleString('en')} batches per round, best of 7 alternating rounds`,
  );
  console.log(
    `  no instrumentation:              ${Math.round(best.none).toLocaleString('en')} batches/s`,
  );
  console.log(
    `  no-op instrumentation:           ${Math.round(best.noop).toLocaleString('en')} batches/s (ratio ${(best.noop / best.none).toFixed(2)})`,
  );
  console.log(
    `  OpenTelemetry, API without SDK:  ${Math.round(best.otel).toLocaleString('en')} batches/s (ratio ${(best.otel / best.none).toFixed(2)})`,
  );
  return { ratio: best.noop / best.none };
}
