/**
 * pnpm soak — SOAK_MINUTES (default 10) of local-Passfort traffic with lost requests and
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
const { app, webhooks } = createApp(
  'soak-secret',
  { applicationStatus: new Map(), checksToFetch: [] },
  {
    store: redisStore({ client, prefix }),
  },
);
const handled = new Map<string, number>();
let failures = 0;
webhooks.onAny((event, ctx) => {
  // Roughly 1% of webhooks fail on their first attempt.
  if (ctx.attempt === 1 && event.id.endsWith('7') && event.id.at(-2) === 'a') {
    failures++;
    throw new Error('injected failure');
  }
  handled.set(event.id, (handled.get(event.id) ?? 0) + 1);
});
const server = createServer(app);
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const passfort = createEmulator({
  target: `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/passfort`,
  secret: 'soak-secret',
  batching: true,
  timeScale: 0.001,
  failureRate: 0.02,
  deadlineMs: { batched: 5_000 },
});
const delay = monitorEventLoopDelay({ resolution: 10 });
delay.enable();
const emitted: string[] = [];
const samples: number[] = [];
const started = Date.now();
const end = started + minutes * 60_000;
let nextReport = started + 60_000;
console.log(
  `soak: ${minutes} min at ~${rate} webhooks/s into examples/express with the Redis store`,
);
while (Date.now() < end) {
  for (let i = 0; i < rate / 10; i++) emitted.push(passfort.emit('CHECK_COMPLETED').id);
  await new Promise((resolve) => setTimeout(resolve, 100));
  if (Date.now() >= nextReport) {
    nextReport += 60_000;
    const rssMb = process.memoryUsage().rss / 2 ** 20;
    samples.push(rssMb);
    console.log(
      `minute ${samples.length}: RSS ${rssMb.toFixed(0)} MB, event-loop delay p50 ${(delay.percentile(50) / 1e6).toFixed(1)} ms / p99 ${(delay.percentile(99) / 1e6).toFixed(1)} ms, emitted ${emitted.length}, acked ${passfort.stats.acked}, waiting ${emitted.length - passfort.stats.acked}`,
    );
    delay.reset();
  }
}
await passfort.drain({ timeoutMs: 300_000 });
await passfort.close();
server.close();
await webhooks.close();
const keys = await client.keys(`{${prefix}}:*`);
for (let i = 0; i < keys.length; i += 1000) await client.del(...keys.slice(i, i + 1000));
client.disconnect();

const lost = emitted.filter((id) => !handled.has(id)).length;
const doubled = [...handled.values()].filter((count) => count > 1).length;
const firstHalf = samples.slice(1, Math.max(2, Math.ceil(samples.length / 2)));
const growth = samples.length >= 4 ? samples.at(-1)! - Math.max(...firstHalf) : 0;
console.log(
  `\nemitted ${emitted.length}, handled ${handled.size}, lost ${lost}, doubled ${doubled}, first-attempt failures ${failures}, requests ${passfort.stats.requests}, failed requests ${passfort.stats.failedRequests}`,
);
console.log(
  `RSS by minute (MB): ${samples.map((s) => s.toFixed(0)).join(', ')}; growth after the first half: ${growth.toFixed(0)} MB`,
);
const problems = [
  ...(lost > 0 ? [`${lost} webhooks lost`] : []),
  ...(doubled > 0 ? [`${doubled} webhooks handled twice`] : []),
  ...(growth > 64 ? [`RSS kept growing (${growth.toFixed(0)} MB after the first half)`] : []),
];
console.log(
  problems.length === 0
    ? 'soak passed: nothing lost, nothing doubled, memory flat'
    : `soak FAILED: ${problems.join('; ')}`,
);
process.exitCode = problems.length === 0 ? 0 : 1;
