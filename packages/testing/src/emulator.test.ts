import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createEmulator, type Emulator, type RequestReport } from './emulator.js';
import { passfortRetryDelay } from './passfort-retry-delay.js';

interface Received {
  authorization: string | undefined;
  body: unknown;
}

/** A receiver whose answer to each request is decided by `answer` (a status, or 'hang'). */
async function receiver(answer: (n: number, body: unknown) => number | 'hang') {
  const received: Received[] = [];
  const server = createServer(async (req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    received.push({ authorization: req.headers.authorization, body });
    const status = answer(received.length, body);
    if (status === 'hang') return;
    res.statusCode = status;
    res.end('{}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  return {
    url,
    received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
    server,
  };
}

async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 1000 && !condition(); i++) {
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  expect(condition()).toBe(true);
}

const ids = (body: unknown) =>
  (Array.isArray(body) ? body : [body]).map((e) => (e as { id: string }).id);

describe('createEmulator', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });
  async function start(
    options: Partial<Parameters<typeof createEmulator>[0]>,
    answer: (n: number, body: unknown) => number | 'hang',
  ) {
    const r = await receiver(answer);
    const emulator: Emulator = createEmulator({
      target: r.url,
      secret: 'emulated-secret',
      timeScale: 0.001,
      batchIntervalMs: 0,
      // Real deadlines unless a test is about them: a scaled 10 ms one would trip on a cold start.
      deadlineMs: { batched: 2000, single: 2000 },
      ...options,
    });
    cleanups.push(
      r.close,
      () => {
        r.server.closeAllConnections();
        return Promise.resolve();
      },
      () => emulator.close(),
    );
    return { ...r, emulator };
  }

  it('follows Passfort’s retry schedule: 30 s doubling for 12 attempts, then daily', () => {
    expect([1, 2, 3, 12, 13, 40].map(passfortRetryDelay)).toEqual([
      30_000, 60_000, 120_000, 61_440_000, 86_400_000, 86_400_000,
    ]);
  });

  it('sends unbatched webhooks one per request, in order, each with the Bearer header and its body secret', async () => {
    const { emulator, received } = await start({}, () => 200);
    const sent = [
      emulator.emit('CHECK_COMPLETED'),
      emulator.emit('TASK_CREATED'),
      emulator.emit('PRODUCT_STATUS_CHANGED'),
    ];
    await emulator.drain();
    expect(received.map((r) => ids(r.body))).toEqual(sent.map((e) => [e.id]));
    for (const r of received) {
      expect(r.authorization).toBe('Bearer emulated-secret');
      expect(r.body).toMatchObject({ secret: 'emulated-secret', timestamp: expect.any(Number) });
    }
  });

  it('waits 30 s x 2^(n-1), scaled, after each failure, and moves on only after a 200', async () => {
    const waits: number[] = [];
    const { emulator, received } = await start({ onBackoff: (ms) => waits.push(ms) }, (n) =>
      n <= 3 ? 503 : 200,
    );
    const first = emulator.emit('CHECK_COMPLETED');
    const second = emulator.emit('CHECK_COMPLETED');
    await emulator.drain();
    expect(waits).toEqual([30, 60, 120]);
    expect(received.map((r) => ids(r.body)[0])).toEqual([
      first.id,
      first.id,
      first.id,
      first.id,
      second.id,
    ]);
  });

  it('treats anything but 200 as a failure, 2xx included', async () => {
    const { emulator, received } = await start({}, (n) => (n === 1 ? 204 : 200));
    emulator.emit('CHECK_COMPLETED');
    await emulator.drain();
    expect(received).toHaveLength(2);
  });

  it('re-sends an unacknowledged batch with the newer webhooks appended, at most 100', async () => {
    const { emulator, received } = await start({ batching: true }, (n) => (n === 1 ? 500 : 200));
    const early = Array.from({ length: 60 }, () => emulator.emit('CHECK_COMPLETED'));
    await new Promise((resolve) => setTimeout(resolve, 10)); // the first batch goes out and fails
    const late = Array.from({ length: 60 }, () => emulator.emit('CHECK_COMPLETED'));
    await emulator.drain();
    const all = [...early, ...late].map((e) => e.id);
    expect(ids(received[0]!.body)).toEqual(all.slice(0, 60));
    expect(ids(received[1]!.body)).toEqual(all.slice(0, 100));
    expect(ids(received[2]!.body)).toEqual(all.slice(100));
    expect(Array.isArray(received[0]!.body)).toBe(true);
  });

  it('aborts a request past its deadline and counts it as failed', async () => {
    const reports: RequestReport[] = [];
    const { emulator } = await start(
      { deadlineMs: { single: 100 }, onRequest: (report) => void reports.push(report) },
      (n) => (n === 1 ? 'hang' : 200),
    );
    emulator.emit('CHECK_COMPLETED');
    await emulator.drain();
    expect(emulator.stats).toMatchObject({ requests: 2, acked: 1, failedRequests: 1 });
    expect(reports[0]).toMatchObject({ failure: 'deadline', status: null });
    expect(reports[0]?.error).toMatch(/no response within the 100 ms deadline/);
  });

  it('reports status as Passfort’s portal does: empty, waiting, stalled with its retry time, failed attempts and recent failures', async () => {
    let healthy = false;
    const { emulator } = await start({ timeScale: 1 }, () => (healthy ? 200 : 503));
    expect(emulator.status()).toMatchObject({
      queue: 'empty',
      lastProcessedAt: null,
      recentFailures: [],
      nextRetryAt: null,
      stalledForMs: null,
      failedAttempts: 0,
    });
    const webhook = emulator.emit('RISK_LEVEL_CHANGED');
    expect(emulator.status().queue).toEqual({ waiting: 1 });
    await until(() => emulator.status().queue === 'stalled');
    const stalled = emulator.status();
    expect(stalled).toMatchObject({
      failedAttempts: 1,
      stalledForMs: expect.any(Number),
      recentFailures: [
        { id: webhook.id, event: 'RISK_LEVEL_CHANGED', status: 503, attempt: 1, failedAttempts: 1 },
      ],
    });
    // Passfort's first retry is due 30 s after the failure (timeScale 1 here).
    const dueIn = stalled.nextRetryAt!.getTime() - stalled.recentFailures[0]!.at.getTime();
    expect(dueIn).toBeGreaterThanOrEqual(29_000);
    healthy = true;
    emulator.retryNow(); // the portal's Retry button: no 30 s wait
    await emulator.drain({ timeoutMs: 2000 });
    // Recent failures lists waiting payloads: none are left once the queue drains.
    expect(emulator.status()).toMatchObject({
      queue: 'empty',
      lastProcessedAt: expect.any(Date),
      recentFailures: [],
      nextRetryAt: null,
      stalledForMs: null,
      failedAttempts: 0,
    });
  });

  it('lists the 10 most recent waiting payloads under Recent failures, newest first, until Refresh clears them', async () => {
    const { emulator } = await start({ timeScale: 1 }, () => 503);
    const sent = Array.from({ length: 15 }, () => emulator.emit('CHECK_COMPLETED'));
    await until(() => emulator.status().queue === 'stalled');
    const { recentFailures } = emulator.status();
    expect(recentFailures.map((failure) => failure.id)).toEqual(
      sent
        .slice(-10)
        .reverse()
        .map((envelope) => envelope.id),
    );
    // Unbatched, only the head was sent: the others wait behind its failure, never sent.
    expect(recentFailures.map((failure) => [failure.failedAttempts, failure.status])).toEqual(
      Array.from({ length: 10 }, () => [0, 503]),
    );
    emulator.refresh();
    expect(emulator.status()).toMatchObject({ queue: 'stalled', recentFailures: [] });
    emulator.retryNow();
    await until(() => emulator.status().failedAttempts === 2);
    expect(emulator.status().recentFailures).toHaveLength(10);
  });

  it('keeps failureRate as the deprecated name of lossBeforeReceiver, and refuses both or a share above 1', async () => {
    const { emulator, received } = await start({ failureRate: 1 }, () => 200);
    emulator.emit('CHECK_COMPLETED');
    await until(() => emulator.stats.failedRequests >= 2);
    expect(emulator.stats.lostBeforeReceiver).toBe(emulator.stats.failedRequests);
    expect(received).toEqual([]);
    const base = { target: 'http://127.0.0.1:9/', secret: 's' };
    expect(() => createEmulator({ ...base, failureRate: 0.1, lossBeforeReceiver: 0.1 })).toThrow(
      /failureRate is the deprecated name of lossBeforeReceiver/,
    );
    expect(() => createEmulator({ ...base, lossAfterReceiver: 2 })).toThrow(
      /lossAfterReceiver must be a share from 0 to 1/,
    );
  });

  it('rejects drain() on timeout, with the status', async () => {
    const { emulator } = await start({ timeScale: 1 }, () => 500);
    emulator.emit('CHECK_COMPLETED');
    await expect(emulator.drain({ timeoutMs: 100 })).rejects.toThrow(
      /did not drain within 100 ms: .*stalled/,
    );
  });

  it('sends raw envelopes exactly as given', async () => {
    const { emulator, received } = await start({}, () => 200);
    emulator.emitRaw({ id: 'raw-1', event: 'FUTURE_EVENT', weird: true });
    await emulator.drain();
    expect(received[0]!.body).toEqual({ id: 'raw-1', event: 'FUTURE_EVENT', weird: true });
  });
});
