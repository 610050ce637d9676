import { afterEach, describe, expect, it, vi } from 'vitest';
import { bearer, productStatusChanged, SECRET, webhookId } from '../../test/webhook-fixtures.js';
import { createPassfortWebhooks } from '../create-passfort-webhooks.js';
import { ADOPT_LOGGER } from './console-logger.js';
import type { Logger } from './logger.js';

/**
 * Captures what the library prints to the console: each call must be one line, the message
 * and then the fields as JSON.
 */
function captureConsole() {
  const lines: { level: string; text: string; fields: unknown; raw: string }[] = [];
  for (const level of ['debug', 'info', 'log', 'warn', 'error'] as const) {
    vi.spyOn(console, level).mockImplementation((...args: unknown[]) => {
      expect(args).toHaveLength(1);
      const raw = String(args[0]);
      expect(raw).not.toContain('\n');
      const json = raw.indexOf(' {');
      lines.push({
        level,
        raw,
        text: json === -1 ? raw : raw.slice(0, json),
        fields: json === -1 ? {} : JSON.parse(raw.slice(json + 1)),
      });
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

describe('an adapter’s framework logger (ADOPT_LOGGER)', () => {
  it('takes over from the console when the app passed no logger, one pino-style call per event', async () => {
    const lines = captureConsole();
    const framework: {
      level: string;
      fields: Record<string, unknown>;
      message: string | undefined;
    }[] = [];
    const frameworkLogger: Logger = {
      warn: (fields, message) => framework.push({ level: 'warn', fields, message }),
      error: (fields, message) => framework.push({ level: 'error', fields, message }),
    };
    const webhooks = createPassfortWebhooks({ secret: SECRET, maxAttempts: 1 });
    const adopt = (webhooks as unknown as Record<symbol, (logger: Logger) => boolean>)[
      ADOPT_LOGGER
    ];
    expect(adopt?.(frameworkLogger)).toBe(true);
    // The first adapter wins: a second one cannot take the logger away.
    expect(adopt?.({ warn: () => {} })).toBe(false);
    webhooks.on('PRODUCT_STATUS_CHANGED', () => {
      throw new Error('database is read-only');
    });
    await webhooks.handle(post(productStatusChanged(webhookId(1))));
    expect(lines).toEqual([]);
    expect(framework.map((line) => `${line.level} ${line.message}`)).toEqual([
      'error webhook handler failed',
      'warn webhook moved to the dead letters',
    ]);
    expect(framework[1]?.fields).toMatchObject({ id: webhookId(1) });
    await webhooks.close();
  });

  it('is not offered when the app chose a logger, or none', async () => {
    for (const logger of [false, { warn: () => {} }] as const) {
      const webhooks = createPassfortWebhooks({ secret: SECRET, logger });
      expect((webhooks as unknown as Record<symbol, unknown>)[ADOPT_LOGGER]).toBeUndefined();
      await webhooks.close();
    }
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
