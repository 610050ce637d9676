/**
 * pnpm soak — SOAK_MINUTES (default 10) of local-Passfort traffic with requests lost before
 * the receiver, answers lost after it processed them (redelivered, for dedupe to absorb) and
 * failing handlers into examples/express with the Redis store. Every minute it prints RSS
 * and event-loop delay; at the end it fails if memory kept growing or any webhook was lost
 * or handled twice.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { redisStore } from '@passfort-webhooks/core/redis';
import { Redis } from 'ioredis';
import { createApp } from '../../../examples/express/src/app.js';
import { createEmulator } from '../src/emulator.js';

const minutes = Number(process.env['SOAK_MINUTES'] ?? 10);
const rate = Number(process.env['SOAK_RATE'] ?? 400); // webhooks per second
const client = new Redis(process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379');
const prefix = `soak-${process.pid}`;
// The example app writes each check to an in-memory list standing in for its database; the
// soak measures the receiver, so those writes are discarded instead of kept for ever.
const discard = { push: () => 0 } as unknown as string[];
const { app, webhooks } = createApp(
  'soak-secret',
  { applicationStatus: new Map(), checksToFetch: discard },
  {
    store: redisStore({ client, prefix }),
  },
);
// Bounded bookkeeping, so that memory measures the receiver, not this script: ids emitted and
// not yet handled, and the ids handled in the last two minutes (a double would come from a
// redelivery, seconds later). An id handled when neither outstanding nor recent is a double.
const outstanding = new Set<string>();
const recentlyHandled = new Map<string, number>();
let handledCount = 0;
let doubled = 0;
let failures = 0;
webhooks.onAny((event, ctx) => {
  // Roughly 1% of webhooks fail on their first attempt.
  if (ctx.attempt === 1 && event.id.endsWith('7') && event.id.at(-2) === 'a') {
    failures++;
    throw new Error('injected failure');
  }
  if (outstanding.delete(event.id)) {
    handledCount++;
    recentlyHandled.set(event.id, Date.now());
  } else {
    doubled++;
  }
});
const pruneTimer = setInterval(() => {
  const before = Date.now() - 120_000;
  for (const [id, at] of recentlyHandled) {
    if (at > before) break;
    recentlyHandled.delete(id);
  }
}, 10_000);
const server = createServer(app);
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const passfort = createEmulator({
  target: `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/passfort`,
  secret: 'soak-secret',
  batching: true,
  timeScale: 0.001,
  lossBeforeReceiver: 0.02,
  lossAfterReceiver: 0.02,
  deadlineMs: { batched: 5_000 },
});
const delay = monitorEventLoopDelay({ resolution: 10 });
delay.enable();
let emitted = 0;
const samples: number[] = [];
const heapSamples: number[] = [];
const gc = (globalThis as { gc?: () => void }).gc;
const started = Date.now();
const end = started + minutes * 60_000;
let nextReport = started + 60_000;
console.log(
  `soak: ${minutes} min at ~${rate} webhooks/s into examples/express with the Redis store`,
);
while (Date.now() < end) {
  for (let i = 0; i < rate / 10; i++) {
    outstanding.add(passfort.emit('CHECK_COMPLETED').id);
    emitted++;
  }
  await new Promise((resolve) => setTimeout(resolve, 100));
  if (Date.now() >= nextReport) {
    nextReport += 60_000;
    gc?.();
    const { rss, heapUsed } = process.memoryUsage();
    samples.push(rss / 2 ** 20);
    heapSamples.push(heapUsed / 2 ** 20);
    console.log(
      `minute ${samples.length}: RSS ${(rss / 2 ** 20).toFixed(0)} MB, heap after GC ${(heapUsed / 2 ** 20).toFixed(1)} MB, event-loop delay p50 ${(delay.percentile(50) / 1e6).toFixed(1)} ms / p99 ${(delay.percentile(99) / 1e6).toFixed(1)} ms, emitted ${emitted}, acked ${passfort.stats.acked}, waiting ${emitted - passfort.stats.acked}`,
    );
    delay.reset();
  }
}
await passfort.drain({ timeoutMs: 300_000 });
clearInterval(pruneTimer);
await passfort.close();
server.close();
await webhooks.close();
const keys = await client.keys(`{${prefix}}:*`);
for (let i = 0; i < keys.length; i += 1000) await client.del(...keys.slice(i, i + 1000));
client.disconnect();

const lost = outstanding.size;
// Growth judged on the heap after GC when --expose-gc is on (pnpm soak sets it), else on RSS.
const series = gc === undefined ? samples : heapSamples;
const firstHalf = series.slice(1, Math.max(2, Math.ceil(series.length / 2)));
const growth = series.length >= 4 ? series.at(-1)! - Math.max(...firstHalf) : 0;
console.log(
  `\nemitted ${emitted}, handled ${handledCount}, lost ${lost}, doubled ${doubled}, first-attempt failures ${failures}, requests ${passfort.stats.requests}, failed requests ${passfort.stats.failedRequests} (lost before the receiver ${passfort.stats.lostBeforeReceiver}, processed and answer lost ${passfort.stats.lostAfterReceiver})`,
);
console.log(`RSS by minute (MB): ${samples.map((v) => v.toFixed(0)).join(', ')}`);
console.log(`heap after GC by minute (MB): ${heapSamples.map((v) => v.toFixed(1)).join(', ')}`);
console.log(
  `growth after the first half: ${growth.toFixed(1)} MB (${gc === undefined ? 'RSS' : 'heap after GC'})`,
);
const problems = [
  ...(lost > 0 ? [`${lost} webhooks lost`] : []),
  ...(doubled > 0 ? [`${doubled} webhooks handled twice`] : []),
  ...(growth > 32 ? [`memory kept growing (${growth.toFixed(0)} MB after the first half)`] : []),
];
console.log(
  problems.length === 0
    ? 'soak passed: nothing lost, nothing doubled, memory flat'
    : `soak FAILED: ${problems.join('; ')}`,
);
process.exitCode = problems.length === 0 ? 0 : 1;
