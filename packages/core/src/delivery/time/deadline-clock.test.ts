import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { SharedDeadlineClock } from './deadline-clock.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('the shared deadline clock', () => {
  it('expires each live watch at its own deadline, in deadline order, whatever order they were made in', async () => {
    const clock = new SharedDeadlineClock();
    const fired: string[] = [];
    const start = Date.now();
    const late = clock.watch(start + 120, () => fired.push('late'));
    clock.watch(start + 40, () => fired.push('early'));
    clock.watch(start + 80, () => fired.push('middle'));
    await sleep(60);
    expect(fired).toEqual(['early']);
    expect(late.expired).toBe(false);
    await sleep(100);
    expect(fired).toEqual(['early', 'middle', 'late']);
    expect(late.expired).toBe(true);
  });

  it('never calls a watch that settled in time, and a settle after expiry changes nothing', async () => {
    const clock = new SharedDeadlineClock();
    const fired: number[] = [];
    const watches = Array.from({ length: 500 }, (_, i) =>
      clock.watch(Date.now() + 30, () => fired.push(i)),
    );
    // Every other one settles; the rest expire.
    for (let i = 0; i < watches.length; i += 2) watches[i]!.settle();
    await sleep(80);
    expect(fired).toHaveLength(250);
    expect(fired.every((i) => i % 2 === 1)).toBe(true);
    watches[1]!.settle();
    expect(watches[1]!.expired).toBe(true);
    expect(watches[0]!.expired).toBe(false);
  });

  it('still expires a long watch made behind thousands that settled (compaction keeps it)', async () => {
    const clock = new SharedDeadlineClock();
    let expired = false;
    const long = clock.watch(Date.now() + 60, () => {
      expired = true;
    });
    for (let i = 0; i < 5000; i++) clock.watch(Date.now() + 10_000, () => {}).settle();
    await sleep(100);
    expect(expired).toBe(true);
    expect(long.expired).toBe(true);
  });

  // Through the built package, as an app's script runs it: `pnpm test` builds first.
  const built = fileURLToPath(new URL('../../../dist/index.js', import.meta.url));
  const runScript = (body: string) =>
    spawnSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `const { createPassfortWebhooks } = await import(${JSON.stringify(built)});
         const secret = 's'.repeat(32);
         const request = { method: 'POST', headers: { authorization: 'Bearer ' + secret },
           body: JSON.stringify({ id: 'a', event: 'X', timestamp: 1, data: {}, secret }) };
         ${body}`,
      ],
      { encoding: 'utf8', timeout: 20_000 },
    );

  it('lets a script exit as soon as its requests are answered, not when their deadlines would have passed', () => {
    const run = runScript(`
      const started = Date.now();
      const webhooks = createPassfortWebhooks({ secret, logger: false, deadlineMs: 15_000 });
      webhooks.onAny(async () => {});
      console.log((await webhooks.handle(request)).status);
      process.on('exit', () => console.log(Date.now() - started));
    `);
    const [status, elapsed] = run.stdout.trim().split('\n');
    expect(status).toBe('200');
    // The armed 15 s timer held nothing alive.
    expect(Number(elapsed)).toBeLessThan(10_000);
  });

  it('keeps a script alive while a handler runs, and answers at the deadline', () => {
    const run = runScript(`
      const webhooks = createPassfortWebhooks({ secret, logger: false, deadlineMs: 300 });
      webhooks.onAny(() => new Promise(() => {}));
      console.log((await webhooks.handle(request)).status);
    `);
    expect(run.stdout.trim()).toBe('503');
  });
});
