/**
 * What a Worker needs beyond the example's happy path, in workerd through miniflare: a handler
 * still running when the deadline answers finishes once under waitUntil (Hono's executionCtx and
 * webhooks.fetch(request, ctx)), its claim's lease is renewed meanwhile, and a body over the
 * limit gets its 413 over real HTTP.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { DELIVERY_COUNTS_HEADER, parseDeliveryCounts } from '@passfort-webhooks/core/adapter';
import { Miniflare } from 'miniflare';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleWorker, startWorker } from './dev.js';

const SECRET = 'worker-secret';
const checkCompleted = (n: number) => ({
  id: `10000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
  event: 'CHECK_COMPLETED',
  secret: SECRET,
  timestamp: 1,
  data: { profile_id: 'p', check: { id: `c-${n}`, decision: 'PASS' } },
});
const headers = { authorization: `Bearer ${SECRET}`, 'content-type': 'application/json' };

describe('a handler slower than the deadline', () => {
  let worker: Miniflare;
  beforeAll(async () => {
    worker = await startWorker(0, SECRET, './test-workers/slow-handler-worker.ts');
  }, 60_000);
  afterAll(() => worker?.dispose());

  async function deliver(path: string, webhook: unknown) {
    const response = await worker.dispatchFetch(`http://worker.test${path}`, {
      method: 'POST',
      headers,
      body: JSON.stringify(webhook),
    });
    await response.text();
    return {
      status: response.status,
      counts: parseDeliveryCounts(response.headers.get(DELIVERY_COUNTS_HEADER)),
    };
  }

  /** Delivers as Passfort does: again and again until a 200 (at most 40 times, 250 ms apart). */
  async function deliverUntilAcked(path: string, webhook: unknown) {
    const statuses: number[] = [];
    for (let attempt = 0; attempt < 40; attempt++) {
      const answer = await deliver(path, webhook);
      statuses.push(answer.status);
      if (answer.status === 200) return { statuses, last: answer };
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    throw new Error(`never acked: ${statuses.join(' ')}`);
  }

  async function runsOf(id: string) {
    const runs = (await (await worker.dispatchFetch('http://worker.test/runs')).json()) as {
      started: string[];
      finished: string[];
    };
    return {
      started: runs.started.filter((x) => x === id).length,
      finished: runs.finished.filter((x) => x === id).length,
    };
  }

  it.each([
    ['through Hono (c.executionCtx)', '/hono', 1],
    ['through webhooks.fetch(request, ctx)', '/fetch', 2],
    ['through Hono again, once the first requests ended', '/hono', 3],
  ])(
    'finishes exactly once under waitUntil, %s, while redeliveries find its renewed claim busy',
    async (_how, path, n) => {
      const webhook = checkCompleted(n);
      const { statuses, last } = await deliverUntilAcked(path, webhook);
      // Answered at the deadline while the handler ran; redelivered while it ran (each after
      // the 300 ms lease would have ended without renewal), then acked as a duplicate.
      expect(statuses[0]).toBe(503);
      expect(statuses.length).toBeGreaterThan(2);
      expect(last.counts).toMatchObject({ processed: 0, duplicates: 1 });
      expect(await runsOf(webhook.id)).toEqual({ started: 1, finished: 1 });
    },
    30_000,
  );
});

/** Posts 11 MB (over the default 10 MiB limit) over real HTTP, `times` times: the statuses, or the error codes. */
async function postOversized(url: URL, times: number): Promise<(number | string)[]> {
  const body = new Uint8Array(11 * 1024 * 1024).fill(0x20);
  const outcomes: (number | string)[] = [];
  for (let i = 0; i < times; i++) {
    try {
      const response = await fetch(url, { method: 'POST', headers, body });
      await response.text();
      outcomes.push(response.status);
    } catch (error) {
      outcomes.push(String((error as { cause?: { code?: string } }).cause?.code ?? error));
    }
  }
  return outcomes;
}

describe('the core README’s Workers snippet, without nodejs_compat', () => {
  const readme = readFileSync(
    fileURLToPath(new URL('../../../packages/core/README.md', import.meta.url)),
    'utf8',
  );
  const snippet = /## Cloudflare Workers\n[\s\S]*?```ts\n([\s\S]*?)```/.exec(readme)?.[1];
  let worker: Miniflare | undefined;
  let url: URL;
  beforeAll(async () => {
    if (snippet === undefined) throw new Error('the README has no Workers snippet');
    worker = new Miniflare({
      modules: true,
      script: await bundleWorker({
        contents: snippet,
        resolveDir: fileURLToPath(new URL('.', import.meta.url)),
      }),
      compatibilityDate: '2025-07-01',
      compatibilityFlags: [], // no nodejs_compat: no `process`
      bindings: { PASSFORT_WEBHOOK_SECRET: SECRET },
      port: 0,
    });
    url = await worker.ready;
  }, 60_000);
  afterAll(() => worker?.dispose());

  it('receives a webhook and dedupes its redelivery', async () => {
    const post = async () => {
      const response = await worker!.dispatchFetch(url, {
        method: 'POST',
        headers,
        body: JSON.stringify(checkCompleted(100)),
      });
      await response.text();
      return [response.status, parseDeliveryCounts(response.headers.get(DELIVERY_COUNTS_HEADER))];
    };
    expect(await post()).toEqual([200, expect.objectContaining({ processed: 1 })]);
    expect(await post()).toEqual([200, expect.objectContaining({ duplicates: 1 })]);
  });

  it('answers an 11 MB body 413, 6 times out of 6, over real HTTP (webhooks.fetch)', async () => {
    expect(await postOversized(url, 6)).toEqual([413, 413, 413, 413, 413, 413]);
  }, 60_000);
});

describe('the example Worker (Hono adapter)', () => {
  let worker: Miniflare | undefined;
  beforeAll(async () => {
    worker = await startWorker(0, SECRET);
  }, 60_000);
  afterAll(() => worker?.dispose());

  it('answers an 11 MB body 413, 6 times out of 6, over real HTTP', async () => {
    const url = new URL('/webhooks/passfort', await worker!.ready);
    expect(await postOversized(url, 6)).toEqual([413, 413, 413, 413, 413, 413]);
  }, 60_000);
});
