/**
 * The emulator against plain `node:http` receivers answering each way a real receiver can,
 * asserting what PASSFORT.md documents for each: only a 200 acks; anything else, a redirect,
 * a late answer or a dropped connection is a failed attempt, retried after the backoff with
 * the same webhooks. What a user's tests stand on, so checked without any library receiver.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createEmulator, type EmulatorOptions, type RequestReport } from './emulator.js';

/** How the receiver answers one request. */
type Answer =
  | { status: number; location?: string; delayMs?: number }
  | 'hang'
  | 'drop'
  | 'hang-on-head';

interface Seen {
  method: string;
  url: string;
  ids: string[];
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A receiver that answers its nth POST (from 1) with `answer(n)`, and records every request. */
async function plainReceiver(answer: (n: number) => Answer) {
  const seen: Seen[] = [];
  let posts = 0;
  const server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    const body: unknown = text === '' ? [] : JSON.parse(text);
    seen.push({
      method: req.method ?? '',
      url: req.url ?? '',
      ids: (Array.isArray(body) ? body : [body]).map((e) => (e as { id: string }).id),
    });
    const action = req.method === 'POST' ? answer(++posts) : { status: 200 };
    if (action === 'hang' || (action === 'hang-on-head' && req.method === 'HEAD')) return;
    if (action === 'drop') return void req.socket.destroy();
    const { status, location, delayMs } =
      action === 'hang-on-head' ? { status: 200, location: undefined, delayMs: 0 } : action;
    if (delayMs) await new Promise((resolve) => setTimeout(resolve, delayMs));
    if (location !== undefined) res.setHeader('location', location);
    res.writeHead(status).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, seen };
}

function emulatorFor(url: string, options: Partial<EmulatorOptions> = {}) {
  const reports: RequestReport[] = [];
  const emulator = createEmulator({
    target: url,
    secret: 'fidelity-secret',
    timeScale: 0.001,
    batchIntervalMs: 0,
    deadlineMs: { batched: 2_000, single: 2_000 },
    onRequest: (report) => void reports.push(report),
    ...options,
  });
  cleanups.push(() => emulator.close());
  return { emulator, reports };
}

/** Answers the first POST with `first`, every later one with a 200. */
const firstThen200 = (first: Answer) => (n: number) => (n === 1 ? first : { status: 200 });

describe.each([
  { mode: 'unbatched', batching: false },
  { mode: 'batched', batching: true },
])('the emulator against plain receivers ($mode)', ({ batching }) => {
  const rows: { answer: Answer; failure: RequestReport['failure']; error: RegExp }[] = [
    ...[301, 302, 303, 307, 308].map((status) => ({
      answer: { status, location: '/ok' },
      failure: 'redirect' as const,
      error: new RegExp(`HTTP ${status} redirect to /ok`),
    })),
    { answer: { status: 201 }, failure: 'status', error: /HTTP 201/ },
    { answer: { status: 204 }, failure: 'status', error: /HTTP 204/ },
    { answer: { status: 500 }, failure: 'status', error: /HTTP 500/ },
    { answer: { status: 200, delayMs: 600 }, failure: 'deadline', error: /within the 150 ms/ },
    { answer: 'drop', failure: 'dropped', error: /connection closed before an answer/ },
  ];
  for (const { answer, failure, error } of rows) {
    it(`${JSON.stringify(answer)} is a failed attempt (${failure}), retried with the same webhooks; only the 200 acks`, async () => {
      const receiver = await plainReceiver(firstThen200(answer));
      const { emulator, reports } = emulatorFor(receiver.url, {
        batching,
        deadlineMs: { batched: 150, single: 150 },
      });
      const webhook = emulator.emit('CHECK_COMPLETED');
      await emulator.drain({ timeoutMs: 10_000 });
      // Passfort never follows the redirect: no GET or POST to the Location, only /hook.
      expect(receiver.seen.map((r) => `${r.method} ${r.url} ${r.ids.join()}`)).toEqual([
        `POST /hook ${webhook.id}`,
        `POST /hook ${webhook.id}`,
      ]);
      expect(reports.map((r) => [r.acked, r.failure, r.retry])).toEqual([
        [false, failure, 0],
        [true, undefined, 1],
      ]);
      expect(reports[0]?.error).toMatch(error);
      expect(emulator.stats).toMatchObject({ requests: 2, failedRequests: 1, acked: 1 });
    });
  }

  it('sends no HEAD: a receiver that hangs on HEAD gets its webhook at the first attempt', async () => {
    const receiver = await plainReceiver(() => 'hang-on-head');
    const { emulator, reports } = emulatorFor(receiver.url, { batching });
    emulator.emit('CHECK_COMPLETED');
    await emulator.drain({ timeoutMs: 10_000 });
    expect(receiver.seen.map((r) => r.method)).toEqual(['POST']);
    expect(reports.map((r) => r.acked)).toEqual([true]);
  });

  it('an unreachable receiver is a failed attempt, told apart from a slow one', async () => {
    const refused = await closedPort();
    const { emulator, reports } = emulatorFor(refused, { batching });
    emulator.emit('CHECK_COMPLETED');
    await waitFor(() => reports.length >= 1);
    expect(reports[0]).toMatchObject({ acked: false, status: null, failure: 'unreachable' });
    expect(reports[0]?.error).toMatch(/ECONNREFUSED/);
  });

  it('a request lost before the receiver: it never saw it, Passfort sends it again', async () => {
    const receiver = await plainReceiver(() => ({ status: 200 }));
    // The draws per request: [before, after]; the first request is lost before the receiver.
    const { emulator, reports } = emulatorFor(receiver.url, {
      batching,
      lossBeforeReceiver: 0.5,
      lossAfterReceiver: 0.5,
      random: sequence([0.1, 0.9], [0.9, 0.9]),
    });
    const webhook = emulator.emit('CHECK_COMPLETED');
    await emulator.drain({ timeoutMs: 10_000 });
    expect(receiver.seen.map((r) => r.ids)).toEqual([[webhook.id]]);
    expect(reports.map((r) => r.failure)).toEqual(['lost-before-receiver', undefined]);
    expect(emulator.stats).toMatchObject({ lostBeforeReceiver: 1, lostAfterReceiver: 0 });
  });

  it('a request processed whose answer is lost: the receiver sees the same webhook twice', async () => {
    const receiver = await plainReceiver(() => ({ status: 200 }));
    const { emulator, reports } = emulatorFor(receiver.url, {
      batching,
      lossBeforeReceiver: 0.5,
      lossAfterReceiver: 0.5,
      random: sequence([0.9, 0.1], [0.9, 0.9]),
    });
    const webhook = emulator.emit('CHECK_COMPLETED');
    await emulator.drain({ timeoutMs: 10_000 });
    expect(receiver.seen.map((r) => r.ids)).toEqual([[webhook.id], [webhook.id]]);
    expect(reports[0]).toMatchObject({
      acked: false,
      status: null,
      failure: 'lost-after-receiver',
      lostAnswer: { status: 200 },
    });
    expect(reports[1]?.acked).toBe(true);
    expect(emulator.stats).toMatchObject({ lostBeforeReceiver: 0, lostAfterReceiver: 1 });
  });

  it('with timeScale 0.001 and no deadlineMs, the scaled deadline keeps its 250 ms floor', async () => {
    // Slower than the 5 ms / 10 ms the bare scale would give, well inside the floor.
    const receiver = await plainReceiver(() => ({ status: 200, delayMs: 40 }));
    const reports: RequestReport[] = [];
    const emulator = createEmulator({
      target: receiver.url,
      secret: 'fidelity-secret',
      batching,
      timeScale: 0.001,
      onRequest: (report) => void reports.push(report),
    });
    cleanups.push(() => emulator.close());
    emulator.emit('CHECK_COMPLETED');
    await emulator.drain({ timeoutMs: 10_000 });
    expect(reports.map((r) => r.acked)).toEqual([true]);
  });
});

describe('batched timing', () => {
  it('a retry waits the backoff only: the 0–10 s interval comes before a first attempt', async () => {
    const receiver = await plainReceiver((n) => (n <= 2 ? { status: 503 } : { status: 200 }));
    let intervals = 0;
    const backoffs: number[] = [];
    const { emulator, reports } = emulatorFor(receiver.url, {
      batching: true,
      batchIntervalMs: () => {
        intervals++;
        return 0;
      },
      onBackoff: (ms) => void backoffs.push(ms),
    });
    emulator.emit('CHECK_COMPLETED');
    await emulator.drain({ timeoutMs: 10_000 });
    expect(reports.map((r) => r.acked)).toEqual([false, false, true]);
    expect(backoffs).toEqual([30, 60]);
    expect(intervals).toBe(1);
  });

  it('Retry is immediate in batched mode: neither the backoff nor an interval is waited', async () => {
    let healthy = false;
    const receiver = await plainReceiver(() => ({ status: healthy ? 200 : 503 }));
    let intervals = 0;
    // Real time: the first backoff is 30 s and every interval after the first an hour, so
    // only a Retry that skips both lets the queue drain.
    const { emulator } = emulatorFor(receiver.url, {
      batching: true,
      timeScale: 1,
      batchIntervalMs: () => (intervals++ === 0 ? 0 : 3_600_000),
    });
    emulator.emit('CHECK_COMPLETED');
    await waitFor(() => emulator.status().queue === 'stalled');
    healthy = true;
    emulator.retryNow();
    await emulator.drain({ timeoutMs: 5_000 });
    expect(receiver.seen).toHaveLength(2);
    expect(intervals).toBe(1);
  });
});

/** A URL on which nothing listens: a port that was just bound, then released. */
async function closedPort(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}/hook`;
}

/** Random draws, request by request: each pair is [lossBefore draw, lossAfter draw]. */
function sequence(...pairs: [number, number][]): () => number {
  const draws = pairs.flat();
  return () => draws.shift() ?? 0.99;
}

async function waitFor(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 1000 && !condition(); i++) {
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  expect(condition()).toBe(true);
}
