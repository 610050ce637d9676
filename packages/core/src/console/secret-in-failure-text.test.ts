/**
 * A handler whose error quotes a webhook secret (an HTTP client error that prints the
 * `Authorization` header it sent is enough): no dead letter, `status()`, log line or console
 * answer may carry any part of it, on every store.
 */
import { trace } from '@opentelemetry/api';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { afterEach, describe, expect, it } from 'vitest';
import { availableStores } from '../../test/store-fixtures.js';
import { batch, bearer, SECRET } from '../../test/webhook-fixtures.js';
import { createPassfortWebhooks } from '../create-passfort-webhooks.js';
import { openTelemetryInstrumentation } from '../observability/otel-instrumentation.js';
import { createConsole } from './create-console.js';

const ROTATED = 'pfw-rotated-7Hq2Zx9LmN4vR8tK3wYb6Jc1';
const TOKEN = 'console-token-0123456789abcdef-0123456789';
const ORIGIN = 'http://receiver.test';

/** Every 8-character piece of every secret: none may show anywhere. */
function piecesOf(...secrets: string[]): string[] {
  const pieces: string[] = [];
  for (const secret of secrets) {
    for (let i = 0; i + 8 <= secret.length; i++) pieces.push(secret.slice(i, i + 8));
  }
  return pieces;
}

function expectNoSecret(where: string, text: string): void {
  for (const piece of piecesOf(SECRET, ROTATED, TOKEN)) {
    expect(text, `${where} shows "${piece}"`).not.toContain(piece);
  }
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

// Every store this machine reaches (all of them under CI=true): each keeps failure text.
const stores = (await availableStores({ mysql: true })).map((kind) => [kind.name, kind] as const);

describe.each(stores)('a handler error quoting the secret, on the %s', (_name, kind) => {
  it('is redacted from dead letters, status(), logs and every console answer', {
    timeout: 20_000,
  }, async () => {
    const { store, cleanup } = await kind.open();
    cleanups.push(cleanup);
    const spans = new InMemorySpanExporter();
    const tracerProvider = new BasicTracerProvider({
      spanProcessors: [new SimpleSpanProcessor(spans)],
    });
    const logs: string[] = [];
    const logger = Object.fromEntries(
      ['debug', 'info', 'warn', 'error'].map((level) => [
        level,
        (object: Record<string, unknown>, message?: string) =>
          void logs.push(`${level} ${message ?? ''} ${JSON.stringify(object)}`),
      ]),
    );
    const webhooks = createPassfortWebhooks({
      secret: [SECRET, ROTATED],
      maxAttempts: 2,
      store,
      logger,
      instrumentation: openTelemetryInstrumentation({ tracer: tracerProvider.getTracer('t') }),
    });
    cleanups.unshift(() => webhooks.close());
    let calls = 0;
    webhooks.onAny(() => {
      calls++;
      if (calls === 1) {
        throw new Error(
          `POST https://crm.test failed; sent Authorization: Bearer ${SECRET} (old ${ROTATED})`,
        );
      }
      if (calls === 2) {
        // Cut at a length limit: half of the secret ends the message.
        throw new Error(`request failed, headers: Bearer ${ROTATED.slice(0, ROTATED.length / 2)}`);
      }
      throw new Error(`still failing with ${SECRET}`, { cause: new Error(`key ${ROTATED}`) });
    });
    const console = createConsole(webhooks, { token: TOKEN, logger });
    const call = async (path: string, init: RequestInit = {}) => {
      const res = await console(
        new Request(`${ORIGIN}/console${path}`, {
          ...init,
          headers: { authorization: `Bearer ${TOKEN}` },
        }),
        { ip: '203.0.113.9' },
      );
      return { status: res.status, text: await res.text() };
    };

    const sent = batch(1);
    const send = () =>
      webhooks.handle({ method: 'POST', headers: bearer(), body: JSON.stringify(sent) });
    expect((await send()).status).toBe(500);
    const afterFirst = JSON.stringify(await webhooks.status());
    expectNoSecret('status() after a failure', afterFirst);
    expect(afterFirst).toContain('[redacted]');
    expect((await send()).status).toBe(200);

    const id = sent[0]!.id;
    const letter = await webhooks.deadLetters.get(id);
    expect(letter?.error).toContain('[redacted]');
    expectNoSecret('the dead letter', JSON.stringify(letter));
    expectNoSecret('status()', JSON.stringify(await webhooks.status()));

    for (const page of ['/', '/fragment']) {
      const answer = await call(page);
      expect(answer.status).toBe(200);
      expect(answer.text).toContain('[redacted]');
      expectNoSecret(page, answer.text);
    }
    const state = await call('/state.json');
    expect(state.status).toBe(200);
    expect(state.text).toContain('[redacted]');
    expectNoSecret('/state.json', state.text);
    const inspect = await call(`/dead-letters/${encodeURIComponent(id)}`);
    expect(inspect.status).toBe(200);
    expectNoSecret('/dead-letters/:id', inspect.text);
    const revealed = await call(`/dead-letters/${encodeURIComponent(id)}?reveal=1`);
    expect(revealed.status).toBe(200);
    expectNoSecret('/dead-letters/:id?reveal=1', revealed.text);
    const replay = await call(`/dead-letters/${encodeURIComponent(id)}/replay`, {
      method: 'POST',
    });
    expect(replay.status).toBe(409);
    expect(replay.text).toContain('REPLAY_FAILED');
    expect(replay.text).toContain('[redacted]');
    expectNoSecret('the replay answer', replay.text);

    expect(logs.some((line) => line.includes('webhook handler failed'))).toBe(true);
    expect(logs.some((line) => line.includes('console: replay failed again'))).toBe(true);
    for (const line of logs) expectNoSecret(`the log line ${line}`, line);

    const finished = spans.getFinishedSpans();
    expect(finished.length).toBeGreaterThan(0);
    expectNoSecret(
      'the spans',
      JSON.stringify(
        finished.map((span) => ({
          name: span.name,
          attributes: span.attributes,
          events: span.events,
          status: span.status,
        })),
      ),
    );
    trace.disable();
  });
});
