import { afterEach, describe, expect, it, vi } from 'vitest';
import { bearer, productStatusChanged, SECRET, webhookId } from '../../test/webhook-fixtures.js';
import { createPassfortWebhooks } from '../create-passfort-webhooks.js';

/** Captures what the library prints to the console. */
function captureConsole() {
  const lines: { level: string; text: string; fields: unknown }[] = [];
  for (const level of ['debug', 'info', 'log', 'warn', 'error'] as const) {
    vi.spyOn(console, level).mockImplementation((text: unknown, fields?: unknown) => {
      lines.push({ level, text: String(text), fields });
    });
  }
  return lines;
}

afterEach(() => {
  vi.restoreAllMocks();
});

const post = (body: unknown, headers = bearer()) => ({
  method: 'POST',
  headers,
  body: JSON.stringify(body),
});

describe('the default logger', () => {
  it('speaks at warn and error only: a dead letter and a handler failure, with the cause’s text', async () => {
    const lines = captureConsole();
    const webhooks = createPassfortWebhooks({ secret: SECRET, maxAttempts: 1 });
    webhooks.on('PRODUCT_STATUS_CHANGED', () => {
      throw new Error('database is read-only');
    });
    const response = await webhooks.handle(post(productStatusChanged(webhookId(1))));
    expect(response.status).toBe(200); // dead-lettered at the first failure, and acked
    expect(lines.map((line) => `${line.level} ${line.text}`)).toEqual([
      'error [passfort-webhooks] webhook handler failed',
      'warn [passfort-webhooks] webhook moved to the dead letters',
    ]);
    expect(JSON.stringify(lines)).toContain('database is read-only');
    expect(JSON.stringify(lines)).not.toContain(SECRET);
    await webhooks.close();
  });

  it('is silenced by logger: false', async () => {
    const lines = captureConsole();
    const webhooks = createPassfortWebhooks({ secret: SECRET, logger: false, maxAttempts: 1 });
    webhooks.on('PRODUCT_STATUS_CHANGED', () => {
      throw new Error('boom');
    });
    await webhooks.handle(post(productStatusChanged(webhookId(1))));
    await webhooks.handle(post(productStatusChanged(webhookId(2)), bearer('wrong')));
    expect(lines).toEqual([]);
    await webhooks.close();
  });

  it('warns of refused requests once a minute per code, counting the ones it held back', async () => {
    const lines = captureConsole();
    const webhooks = createPassfortWebhooks({ secret: SECRET });
    for (let i = 0; i < 5; i++) {
      const response = await webhooks.handle(
        post(productStatusChanged(webhookId(i)), bearer('wrong')),
      );
      expect(response.status).toBe(401);
    }
    await webhooks.handle({ method: 'GET', headers: {}, body: null });
    expect(
      lines.map((line) => [
        line.level,
        line.text,
        (line.fields as { errorCode?: string }).errorCode,
      ]),
    ).toEqual([
      ['warn', '[passfort-webhooks] webhook request refused', 'UNAUTHORIZED'],
      ['warn', '[passfort-webhooks] webhook request refused', 'METHOD_NOT_ALLOWED'],
    ]);
    expect(JSON.stringify(lines)).not.toContain(SECRET);
    await webhooks.close();
  });
});

describe('a handler’s error', () => {
  it('carries its cause’s text in the message for logs, and only the summary in the 500', async () => {
    const heard: { message: string; summary: string }[] = [];
    const webhooks = createPassfortWebhooks({ secret: SECRET, logger: false });
    webhooks.on('PRODUCT_STATUS_CHANGED', () => {
      throw new Error('database down');
    });
    webhooks.onError(
      ({ error }) => void heard.push({ message: error.message, summary: error.summary }),
    );
    const response = await webhooks.handle(post(productStatusChanged(webhookId(1))));
    expect(response.status).toBe(500);
    expect(heard).toEqual([
      {
        message: `A handler failed for webhook ${webhookId(1)} (PRODUCT_STATUS_CHANGED) at index 0: database down`,
        summary: `A handler failed for webhook ${webhookId(1)} (PRODUCT_STATUS_CHANGED) at index 0`,
      },
    ]);
    expect(response.body).not.toContain('database down');
    await webhooks.close();
  });
});
