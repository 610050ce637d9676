/**
 * The D1 store (`@passfort-webhooks/core/d1`) in workerd through miniflare: the public
 * DedupeStore kit and ctx.commitOnce's store-level cases run inside the Worker, on a D1
 * binding (see test-workers/d1-kit-worker.ts).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DELIVERY_COUNTS_HEADER, parseDeliveryCounts } from '@passfort-webhooks/core/adapter';
import { build } from 'esbuild';
import { Miniflare } from 'miniflare';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/** Bundles a test Worker; node: modules are left to workerd's nodejs_compat (node:assert). */
export async function bundleTestWorker(entry: string): Promise<string> {
  const bundle = await build({
    entryPoints: [fileURLToPath(new URL(entry, import.meta.url))],
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    conditions: ['workerd', 'worker', 'browser', 'import'],
    mainFields: ['module', 'main'],
    external: ['cloudflare:*', 'node:*'],
    write: false,
    logLevel: 'silent',
  });
  return bundle.outputFiles[0]!.text;
}

describe('d1Store in workerd (the public DedupeStore kit, and ctx.commitOnce at the store)', async () => {
  let worker: Miniflare | undefined;
  const script = await bundleTestWorker('./test-workers/d1-kit-worker.ts');
  const start = async () => {
    const started = new Miniflare({
      modules: true,
      script,
      compatibilityDate: '2025-07-01',
      compatibilityFlags: ['nodejs_compat'],
      d1Databases: ['DB'],
    });
    await started.ready;
    return started;
  };
  // The names are listed by the Worker itself, so that the cases here are the kit's own.
  const lister = await start();
  let names: string[];
  try {
    names = (await (await lister.dispatchFetch('http://kit.test/cases')).json()) as string[];
  } finally {
    await lister.dispose();
  }
  beforeAll(async () => {
    worker = await start();
  }, 60_000);
  afterAll(() => worker?.dispose());

  for (const name of names) {
    it(name, async (context) => {
      const answer = await worker!.dispatchFetch(
        `http://kit.test/run?name=${encodeURIComponent(name)}`,
        { method: 'POST' },
      );
      const { outcome, reason } = (await answer.json()) as { outcome: string; reason?: string };
      if (outcome === 'skipped') context.skip(reason);
      expect(reason ?? '', name).toBe('');
      expect(outcome).toBe('passed');
    }, 60_000);
  }
});

const SECRET = 'd1-secret';
const checkCompleted = (n: number) => ({
  id: `20000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
  event: 'CHECK_COMPLETED',
  secret: SECRET,
  timestamp: 1,
  data: { profile_id: 'p', check: { id: `c-${n}`, decision: 'PASS' } },
});

describe('ctx.commitOnce across a crash (a receiver on D1, in workerd)', async () => {
  const script = await bundleTestWorker('./test-workers/d1-receiver-worker.ts');
  const directories: string[] = [];
  const running = new Set<Miniflare>();
  afterAll(async () => {
    for (const each of running) await each.dispose();
    for (const dir of directories) rmSync(dir, { recursive: true, force: true });
  });

  /** A workerd process on the D1 database kept in `dir`, as a new isolate after a crash would find it. */
  async function start(dir: string, mode: string): Promise<Miniflare> {
    const worker = new Miniflare({
      modules: true,
      script,
      compatibilityDate: '2025-07-01',
      bindings: { PASSFORT_WEBHOOK_SECRET: SECRET, MODE: mode },
      d1Databases: { DB: 'webhooks' },
      d1Persist: dir,
    });
    await worker.ready;
    running.add(worker);
    await worker.dispatchFetch('http://receiver.test/migrate', { method: 'POST' });
    return worker;
  }
  async function stop(worker: Miniflare) {
    running.delete(worker);
    await worker.dispose();
  }
  function database() {
    const dir = mkdtempSync(join(tmpdir(), 'passfort-d1-'));
    directories.push(dir);
    return dir;
  }

  async function deliver(worker: Miniflare, webhook: unknown) {
    const response = await worker.dispatchFetch('http://receiver.test/webhooks', {
      method: 'POST',
      headers: { authorization: `Bearer ${SECRET}`, 'content-type': 'application/json' },
      body: JSON.stringify(webhook),
    });
    await response.text();
    return {
      status: response.status,
      counts: parseDeliveryCounts(response.headers.get(DELIVERY_COUNTS_HEADER)),
    };
  }
  /** Delivers as Passfort does: again until a 200 (at most 40 times, 250 ms apart). */
  async function deliverUntilAcked(worker: Miniflare, webhook: unknown) {
    const statuses: number[] = [];
    for (let attempt = 0; attempt < 40; attempt++) {
      const answer = await deliver(worker, webhook);
      statuses.push(answer.status);
      if (answer.status === 200) return answer;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    throw new Error(`never acked: ${statuses.join(' ')}`);
  }
  async function state(worker: Miniflare, id: string) {
    const answer = await worker.dispatchFetch(
      `http://receiver.test/state?id=${encodeURIComponent(id)}`,
    );
    return (await answer.json()) as { checks: unknown[]; runs: { applied: boolean }[] };
  }

  it('the isolate dies after the commit, before the completion: the redelivery writes nothing again', async () => {
    const dir = database();
    const webhook = checkCompleted(1);
    const first = await start(dir, 'hang-after-commit');
    // Answered at the deadline while the handler, committed, waits.
    expect((await deliver(first, webhook)).status).toBe(503);
    let committed = await state(first, webhook.id);
    for (let i = 0; i < 40 && committed.checks.length === 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      committed = await state(first, webhook.id);
    }
    expect(committed).toEqual({
      checks: [{ check_id: 'c-1', decision: 'PASS' }],
      runs: [{ id: webhook.id, applied: true }],
    });
    await stop(first); // the workerd process ends mid-handler: claimed, never completed

    const second = await start(dir, 'normal');
    const acked = await deliverUntilAcked(second, webhook);
    expect(acked.counts).toMatchObject({ processed: 1 });
    expect(await state(second, webhook.id)).toEqual({
      checks: [{ check_id: 'c-1', decision: 'PASS' }],
      runs: [{ id: webhook.id, applied: false }],
    });
    expect((await deliver(second, webhook)).counts).toMatchObject({ duplicates: 1 });
  }, 60_000);

  it('the isolate dies before the commit: nothing was written, and the redelivery writes it once', async () => {
    const dir = database();
    const webhook = checkCompleted(2);
    const first = await start(dir, 'hang-before-commit');
    expect((await deliver(first, webhook)).status).toBe(503);
    expect(await state(first, webhook.id)).toEqual({ checks: [], runs: [] });
    await stop(first);

    const second = await start(dir, 'normal');
    expect((await deliverUntilAcked(second, webhook)).counts).toMatchObject({ processed: 1 });
    expect(await state(second, webhook.id)).toEqual({
      checks: [{ check_id: 'c-2', decision: 'PASS' }],
      runs: [{ id: webhook.id, applied: true }],
    });
  }, 60_000);

  it('the completion write fails after the commit: the redelivery runs the handler, which writes nothing again', async () => {
    const worker = await start(database(), 'normal');
    const webhook = checkCompleted(3);
    // A real refusal by the database: the ids table takes no completion while this trigger exists.
    await worker.dispatchFetch('http://receiver.test/sql', {
      method: 'POST',
      body: `CREATE TRIGGER refuse_completion BEFORE UPDATE OF state ON passfort_webhook_ids
WHEN NEW.state = 'done' BEGIN SELECT RAISE(ABORT, 'completion refused'); END`,
    });
    expect((await deliver(worker, webhook)).status).not.toBe(200);
    expect((await state(worker, webhook.id)).checks).toHaveLength(1);
    await worker.dispatchFetch('http://receiver.test/sql', {
      method: 'POST',
      body: 'DROP TRIGGER refuse_completion',
    });

    expect((await deliverUntilAcked(worker, webhook)).counts).toMatchObject({ processed: 1 });
    expect(await state(worker, webhook.id)).toEqual({
      checks: [{ check_id: 'c-3', decision: 'PASS' }],
      runs: [
        { id: webhook.id, applied: true },
        { id: webhook.id, applied: false },
      ],
    });
  }, 60_000);
});
