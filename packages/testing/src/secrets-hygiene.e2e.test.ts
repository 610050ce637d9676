/**
 * Secrets hygiene: a scripted run through every path (accepted, refused, failing, poison,
 * schema mismatch, queued, API errors) while everything the library emits is captured —
 * log lines, HTTP responses, errors and their cause chains, status(), dead letters, queued
 * jobs and every key the Redis store and queue wrote. Neither the webhook secret nor the
 * API key may appear anywhere.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { format } from 'node:util';
import { createPassfortWebhooks, type Logger } from '@passfort-webhooks/core';
import { bullmqQueue } from '@passfort-webhooks/core/bullmq';
import { createPassfortClient } from '@passfort-webhooks/core/client';
import { fromIncomingMessage, writeServerResponse } from '@passfort-webhooks/core/node';
import { redisLoopGuardStore, redisStore } from '@passfort-webhooks/core/redis';
import { createLoopGuard } from '@passfort-webhooks/core/sync';
import { Redis } from 'ioredis';
import { afterAll, expect, it, vi } from 'vitest';
import { redisServerAvailable, throwawayRedis } from '../test/throwaway-redis.js';
import { createEmulator } from './emulator.js';
import { FakePassfortApi } from './fake-passfort-api.js';

const SECRET = 'whsec-HYGIENE-6f0e2c91';
const API_KEY = 'pfkey-HYGIENE-41b7d2aa';
const emitted: string[] = [];

function serializeError(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current !== undefined && depth < 10; depth++) {
    if (current instanceof Error) {
      parts.push(
        current.name,
        current.message,
        String(current.stack),
        JSON.stringify(current, Object.getOwnPropertyNames(current)),
      );
      current = current.cause;
    } else {
      parts.push(JSON.stringify(current) ?? String(current));
      break;
    }
  }
  return parts.join('\n');
}

const logger: Logger = Object.fromEntries(
  (['debug', 'info', 'warn', 'error'] as const).map((level) => [
    level,
    (object: Record<string, unknown>, message?: string) =>
      emitted.push(`${level} ${JSON.stringify(object)} ${message ?? ''}`),
  ]),
);

const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
});

it.runIf(await redisServerAvailable())(
  'never lets the webhook secret or the API key out',
  async () => {
    // The receiver without a logger uses the default one: what it prints is captured too.
    const printed: string[] = [];
    for (const level of ['warn', 'error'] as const) {
      const spy = vi.spyOn(console, level).mockImplementation((...args: unknown[]) => {
        printed.push(format(...args));
      });
      cleanups.push(async () => spy.mockRestore());
    }
    const redis = await throwawayRedis({ durable: false });
    cleanups.push(() => redis.dispose());
    const client = new Redis(redis.url);
    cleanups.push(async () => client.disconnect());
    const loopGuard = createLoopGuard({ store: redisLoopGuardStore({ client }) });
    const connection = { host: '127.0.0.1', port: redis.port };

    const inline = createPassfortWebhooks({
      secret: SECRET,
      store: redisStore({ client, prefix: 'inline' }),
      logger,
      loopGuard,
      maxAttempts: 2,
    });
    const queued = createPassfortWebhooks({
      secret: [SECRET, 'whsec-HYGIENE-older'],
      store: redisStore({ client, prefix: 'queued' }),
      delivery: 'queue',
      queue: bullmqQueue({ connection, name: 'hygiene' }),
      // No logger: the default one prints, and the console is captured above.
      maxAttempts: 2,
      retryDelayMs: 1,
    });
    for (const webhooks of [inline, queued]) {
      cleanups.push(() => webhooks.close());
      webhooks.on('CHECK_COMPLETED', (event) => {
        if (event.data.check.id.startsWith('poison'))
          throw new Error(`cannot process check ${event.data.check.id}`);
      });
      webhooks.onError(({ error }) => void emitted.push(serializeError(error)));
    }
    const servers = await Promise.all(
      [inline, queued].map(async (webhooks) => {
        const server = createServer(async (req, res) =>
          writeServerResponse(res, await webhooks.handle(fromIncomingMessage(req))),
        );
        await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
        cleanups.push(() => new Promise((resolve) => server.close(resolve)));
        return `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
      }),
    );

    for (const target of servers) {
      const emulator = createEmulator({
        target,
        secret: SECRET,
        batching: true,
        timeScale: 0.001,
        batchIntervalMs: 0,
        deadlineMs: { batched: 3000 },
        onRequest: ({ body }) => void emitted.push(body ?? ''),
      });
      emulator.emit('CHECK_COMPLETED', { profile_id: 'p-1', check: { id: 'ok-1' } });
      emulator.emit('CHECK_COMPLETED', { profile_id: 'p-1', check: { id: 'poison-1' } });
      emulator.emit('PRODUCT_STATUS_CHANGED', {
        application_id: 'a',
        new_status: 42 as never,
        product: {},
      }); // schema mismatch: a status that is not a string
      emulator.emit('COLLECTED_DATA_CHANGED');
      await emulator.drain({ timeoutMs: 30_000 });
      await emulator.close();
      // Refused requests: wrong and partial secrets, malformed bodies.
      for (const [authorization, body] of [
        [
          `Bearer ${SECRET}x`,
          JSON.stringify({ id: '1', event: 'X', secret: SECRET, timestamp: 1, data: {} }),
        ],
        [
          `Bearer ${SECRET}`,
          JSON.stringify({
            id: '1',
            event: 'X',
            secret: `${SECRET.slice(0, -2)}`,
            timestamp: 1,
            data: {},
          }),
        ],
        [`Bearer ${SECRET}`, `{"id":"1","secret":"${SECRET}" oops`],
        [`Bearer ${SECRET}`, JSON.stringify([{ id: 7, secret: SECRET }])],
      ]) {
        const response = await fetch(target, {
          method: 'POST',
          headers: { authorization: authorization!, 'content-type': 'application/json' },
          body: body!,
        });
        emitted.push(await response.text());
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 200)); // the queue worker finishes
    for (const webhooks of [inline, queued]) {
      emitted.push(
        JSON.stringify(await webhooks.status()),
        JSON.stringify(await webhooks.deadLetters.list()),
      );
      expect((await webhooks.deadLetters.list()).length).toBeGreaterThanOrEqual(2);
    }

    // The API client: a refused key, a timeout, and a normal update.
    const api = new FakePassfortApi({ apiKey: API_KEY });
    api.seed('p-1');
    const baseUrl = await api.listen();
    cleanups.push(() => api.close());
    for (const attempt of [
      () => createPassfortClient({ apiKey: `${API_KEY}-wrong`, baseUrl }).getCollectedData('p-1'),
      () => createPassfortClient({ apiKey: API_KEY, baseUrl }).getCollectedData('missing'),
      () =>
        createPassfortClient({
          apiKey: API_KEY,
          baseUrl: 'http://127.0.0.1:1/4.0',
          retries: 0,
        }).getCollectedData('p-1'),
      () =>
        createPassfortClient({ apiKey: API_KEY, baseUrl, loopGuard }).updateCollectedData(
          'p-1',
          (d) => ({ ...d, x: 1 }),
        ),
    ]) {
      emitted.push(serializeError(await attempt().catch((error: unknown) => error)));
    }
    expect(() => createPassfortWebhooks({ secret: [SECRET, ''] })).toThrow();
    try {
      createPassfortWebhooks({ secret: [SECRET, ''] });
    } catch (error) {
      emitted.push(serializeError(error));
    }

    // Everything the stores and the queue wrote.
    for (const key of await client.keys('*')) {
      const type = await client.type(key);
      const value =
        type === 'hash'
          ? await client.hgetall(key)
          : type === 'list'
            ? await client.lrange(key, 0, -1)
            : type === 'zset'
              ? await client.zrange(key, 0, -1)
              : type === 'string'
                ? await client.get(key)
                : type === 'set'
                  ? await client.smembers(key)
                  : type;
      emitted.push(`${key} ${JSON.stringify(value)}`);
    }

    // The default logger spoke (the queued receiver's dead letters and mismatch), safely.
    expect(printed.join('\n')).toContain('[passfort-webhooks] webhook moved to the dead letters');
    emitted.push(...printed);
    expect(emitted.length).toBeGreaterThan(40);
    const everything = emitted.join('\n');
    expect(everything).toContain('poison'); // the capture did see the failures…
    expect(everything).not.toContain(SECRET); // …and never a secret
    expect(everything).not.toContain(SECRET.slice(0, -2));
    expect(everything).not.toContain(API_KEY);
  },
  120_000,
);
