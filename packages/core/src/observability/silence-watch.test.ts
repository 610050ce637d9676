import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { bearer, productStatusChanged, SECRET, webhookId } from '../../test/webhook-fixtures.js';
import { createPassfortWebhooks } from '../create-passfort-webhooks.js';
import type { WebhookFailure } from '../delivery/webhook-handler.js';
import { SenderSilentError } from '../errors/sender-silent-error.js';

const HOUR = 60 * 60 * 1000;

let sent = 0;

function receiver() {
  const warnings: string[] = [];
  const infos: string[] = [];
  const failures: WebhookFailure[] = [];
  const silences: boolean[] = [];
  const webhooks = createPassfortWebhooks({
    secret: SECRET,
    expectWebhookWithin: HOUR,
    logger: {
      warn: (_fields, message) => warnings.push(message ?? ''),
      info: (_fields, message) => infos.push(message ?? ''),
    },
    instrumentation: {
      delivery: () => ({ envelope: () => ({ end() {} }), end() {} }),
      silence: (silent) => silences.push(silent),
    },
  });
  webhooks.onError((failure) => void failures.push(failure));
  const post = (headers = bearer()) =>
    webhooks.handle({
      method: 'POST',
      headers,
      body: JSON.stringify(productStatusChanged(webhookId(++sent))),
    });
  const silentWarnings = () => warnings.filter((m) => m.includes('expectWebhookWithin'));
  return { webhooks, post, warnings: silentWarnings, infos, failures, silences };
}

describe('expectWebhookWithin', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    vi.setSystemTime(new Date('2026-12-04T09:00:00Z'));
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('is off by default: status says so and nothing fires, however long it is quiet', async () => {
    const webhooks = createPassfortWebhooks({ secret: SECRET });
    await vi.advanceTimersByTimeAsync(30 * 24 * HOUR);
    expect((await webhooks.status()).silence).toEqual({
      expectedWithinMs: null,
      lastAuthenticAt: null,
      silentSince: null,
    });
    await webhooks.close();
  });

  it('reports silence once nothing authentic arrived within it, then recovers on the next webhook', async () => {
    const r = receiver();
    expect((await r.post()).status).toBe(200);
    const heardAt = new Date();
    await vi.advanceTimersByTimeAsync(HOUR - 1);
    expect((await r.webhooks.status()).silence.silentSince).toBeNull();
    expect(r.failures).toEqual([]);

    await vi.advanceTimersByTimeAsync(1);
    const silent = (await r.webhooks.status()).silence;
    expect(silent).toEqual({
      expectedWithinMs: HOUR,
      lastAuthenticAt: heardAt,
      silentSince: new Date(heardAt.getTime() + HOUR),
    });
    // Heard once per silence, however long it lasts and however often status() is read.
    await vi.advanceTimersByTimeAsync(5 * HOUR);
    await r.webhooks.status();
    expect(r.warnings()).toHaveLength(1);
    expect(r.failures).toHaveLength(1);
    expect(r.failures[0]!.error).toBeInstanceOf(SenderSilentError);
    expect(r.failures[0]!.error.code).toBe('SENDER_SILENT');
    expect(r.failures[0]!.event).toBeUndefined();
    expect(r.silences).toEqual([true]);

    expect((await r.post()).status).toBe(200);
    expect((await r.webhooks.status()).silence.silentSince).toBeNull();
    expect(r.silences).toEqual([true, false]);
    expect(r.infos.some((m) => m.includes('arrive again'))).toBe(true);

    // And a second silence is a second report.
    await vi.advanceTimersByTimeAsync(HOUR);
    expect((await r.webhooks.status()).silence.silentSince).not.toBeNull();
    expect(r.failures).toHaveLength(2);
    await r.webhooks.close();
  });

  it('counts from start-up when nothing ever arrived', async () => {
    const r = receiver();
    const started = Date.now();
    await vi.advanceTimersByTimeAsync(HOUR);
    expect((await r.webhooks.status()).silence).toEqual({
      expectedWithinMs: HOUR,
      lastAuthenticAt: null,
      silentSince: new Date(started + HOUR),
    });
    expect(r.failures).toHaveLength(1);
    await r.webhooks.close();
  });

  it('is not ended by requests that are not authentic', async () => {
    const r = receiver();
    await vi.advanceTimersByTimeAsync(HOUR);
    const json = { 'content-type': 'application/json' };
    expect((await r.post({ ...json, authorization: 'Bearer wrong-secret-value' })).status).toBe(
      401,
    );
    // Without a header, the body's secret is what authenticates: a wrong one is refused.
    const forged = { ...productStatusChanged(webhookId(++sent)), secret: 'not-the-secret-at-all' };
    const refused = await r.webhooks.handle({
      method: 'POST',
      headers: json,
      body: JSON.stringify(forged),
    });
    expect(refused.status).toBe(401);
    expect((await r.webhooks.status()).silence.silentSince).not.toBeNull();
    expect(r.silences).toEqual([true]);
    await r.webhooks.close();
  });

  it('refuses a value that is not a positive integer', () => {
    for (const value of [0, -1, 1.5, Number.NaN, '1h']) {
      expect(() =>
        createPassfortWebhooks({ secret: SECRET, expectWebhookWithin: value as number }),
      ).toThrow(/expectWebhookWithin must be a positive integer/);
    }
  });

  it('leaves no timer keeping a closed receiver alive', async () => {
    const r = receiver();
    await r.webhooks.close();
    expect(vi.getTimerCount()).toBe(0);
  });
});
