import { describe, expect, it } from 'vitest';
import {
  batch,
  bearer,
  productStatusChanged,
  SECRET,
  webhookId,
} from '../../test/webhook-fixtures.js';
import { createPassfortWebhooks } from '../create-passfort-webhooks.js';
import { inProcessQueue } from './in-process-queue.js';

const post = (payload: unknown) => ({
  method: 'POST',
  headers: bearer(),
  body: JSON.stringify(payload),
});

async function until(check: () => boolean | Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe("delivery: 'queue' with the in-process queue", () => {
  it('acks once enqueued, then a worker runs handlers in order; a redelivery is not enqueued twice', async () => {
    let release = () => {};
    const gate = new Promise<void>((resolve) => (release = resolve));
    const effects: string[] = [];
    const webhooks = createPassfortWebhooks({ secret: SECRET, delivery: 'queue' });
    webhooks.onAny(async (event) => {
      await gate;
      effects.push(event.id);
    });
    const first = await webhooks.handle(post(batch(5)));
    expect(first.status).toBe(200);
    expect(first.counts).toMatchObject({ received: 5, queued: 5, processed: 0 });
    expect(effects).toEqual([]); // acked before any handler ran
    expect(await webhooks.status()).toMatchObject({ queue: { waiting: 5 } });
    const again = await webhooks.handle(post(batch(7)));
    expect(again.counts).toMatchObject({ received: 7, queued: 2, duplicates: 5 });
    release();
    await until(() => effects.length === 7);
    expect(effects).toEqual(batch(7).map((e) => e.id));
    await until(async () => (await webhooks.status()).queue === 'empty');
    await webhooks.close();
  });

  it('retries a failing webhook in place, holding later ones back, then dead-letters it after maxAttempts', async () => {
    const effects: string[] = [];
    const webhooks = createPassfortWebhooks({
      secret: SECRET,
      delivery: 'queue',
      maxAttempts: 3,
      retryDelayMs: 1,
    });
    let attempts = 0;
    webhooks.onAny((event) => {
      if (event.id === webhookId(1)) {
        attempts++;
        throw new Error('poison');
      }
      effects.push(event.id);
    });
    expect((await webhooks.handle(post(batch(3)))).status).toBe(200);
    await until(() => effects.length === 2);
    expect(attempts).toBe(3);
    expect(effects).toEqual([webhookId(0), webhookId(2)]);
    expect(await webhooks.deadLetters.list()).toMatchObject([{ id: webhookId(1), attempts: 3 }]);
    await webhooks.close();
  });

  it('keeps each profile in order across parallel lanes', async () => {
    const seen = new Map<string, string[]>();
    const webhooks = createPassfortWebhooks({
      secret: SECRET,
      delivery: 'queue',
      queue: inProcessQueue({ lanes: 4 }),
    });
    webhooks.onAny(async (event) => {
      const profile = (event.data as { profile_id: string }).profile_id;
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 3));
      seen.set(profile, [...(seen.get(profile) ?? []), event.id]);
    });
    const payload = Array.from({ length: 40 }, (_, i) => {
      const envelope = productStatusChanged(webhookId(i));
      envelope.data['profile_id'] = `profile-${i % 5}`;
      return envelope;
    });
    expect((await webhooks.handle(post(payload))).status).toBe(200);
    await until(() => [...seen.values()].reduce((n, ids) => n + ids.length, 0) === 40);
    for (let p = 0; p < 5; p++) {
      const expected = payload
        .filter((e) => e.data['profile_id'] === `profile-${p}`)
        .map((e) => e.id);
      expect(seen.get(`profile-${p}`)).toEqual(expected);
    }
    await webhooks.close();
  });

  it('drains what it acked before close() resolves', async () => {
    const effects: string[] = [];
    const webhooks = createPassfortWebhooks({ secret: SECRET, delivery: 'queue' });
    webhooks.onAny(async (event) => {
      await new Promise((resolve) => setTimeout(resolve, 2));
      effects.push(event.id);
    });
    await webhooks.handle(post(batch(10)));
    await webhooks.close();
    expect(effects).toHaveLength(10);
  });
});

/** A logger that keeps its lines, for assertions. */
function captureLogger() {
  const lines: { level: string; fields: Record<string, unknown>; message: string }[] = [];
  const keep = (level: string) => (fields: Record<string, unknown>, message?: string) =>
    lines.push({ level, fields, message: message ?? '' });
  return { lines, logger: { warn: keep('warn'), error: keep('error') } };
}

describe('close() with an explicit in-process queue', () => {
  it('drains every acked webhook before it resolves, and runs nothing after', async () => {
    const effects: string[] = [];
    const webhooks = createPassfortWebhooks({
      secret: SECRET,
      delivery: 'queue',
      queue: inProcessQueue({ lanes: 2, drainTimeoutMs: 60_000 }),
      logger: false,
    });
    webhooks.onAny(async (event) => {
      await new Promise((resolve) => setTimeout(resolve, 1 + Math.random() * 2));
      effects.push(event.id);
    });
    const payload = batch(200);
    for (const part of [payload.slice(0, 100), payload.slice(100)]) {
      expect((await webhooks.handle(post(part))).counts).toMatchObject({ queued: 100 });
    }
    expect(effects.length).toBeLessThan(200); // acked before they ran
    await webhooks.close();
    expect(effects).toHaveLength(200);
    expect(new Set(effects).size).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(effects).toHaveLength(200);
  });

  it('past drainTimeoutMs, logs each webhook it drops by id, and none is lost silently', async () => {
    const effects: string[] = [];
    const { lines, logger } = captureLogger();
    const webhooks = createPassfortWebhooks({
      secret: SECRET,
      delivery: 'queue',
      queue: inProcessQueue({ drainTimeoutMs: 100 }),
      logger,
    });
    webhooks.onAny(async (event) => {
      await new Promise((resolve) => setTimeout(resolve, 20));
      effects.push(event.id);
    });
    const payload = batch(40);
    expect((await webhooks.handle(post(payload))).status).toBe(200);
    await webhooks.close();
    const dropped = lines.filter((line) => line.level === 'error').map((line) => line.fields['id']);
    expect(dropped.length).toBeGreaterThan(0);
    // What ran and what was dropped are the batch, in order: nothing vanished unlogged.
    expect([...effects, ...dropped]).toEqual(payload.map((e) => e.id));
    for (const line of lines.filter((l) => l.level === 'error')) {
      expect(line.message).toMatch(/acked webhook .*lost/);
    }
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(effects).toHaveLength(payload.length - dropped.length); // nothing ran after close()
  });

  it('cuts a failing webhook’s backoff short: close() resolves, the attempt that ran is the only one, and the webhook is logged as dropped', async () => {
    const { lines, logger } = captureLogger();
    const webhooks = createPassfortWebhooks({
      secret: SECRET,
      delivery: 'queue',
      queue: inProcessQueue({ drainTimeoutMs: 50 }),
      retryDelayMs: 60_000,
      maxAttempts: 100,
      logger,
    });
    let attempts = 0;
    webhooks.onAny(() => {
      attempts++;
      throw new Error('the dependency is down');
    });
    expect((await webhooks.handle(post(batch(2)))).status).toBe(200);
    await until(() => attempts === 1);
    await webhooks.close();
    expect(attempts).toBe(1);
    const dropped = lines
      .filter((line) => line.message.includes('lost'))
      .map((line) => line.fields['id']);
    expect(dropped).toEqual([webhookId(0), webhookId(1)]);
  });

  it('uses the queue’s own logger when it has one', async () => {
    const own = captureLogger();
    const receivers = captureLogger();
    const webhooks = createPassfortWebhooks({
      secret: SECRET,
      delivery: 'queue',
      consume: false,
      queue: inProcessQueue({ drainTimeoutMs: 10, logger: own.logger }),
      logger: receivers.logger,
    });
    expect((await webhooks.handle(post(batch(1)))).status).toBe(200);
    await webhooks.close();
    expect(own.lines.map((line) => line.fields['id'])).toEqual([webhookId(0)]);
    expect(receivers.lines).toEqual([]);
  });
});

describe('status()', () => {
  it('reports stalled when webhooks wait and nothing progresses', async () => {
    const webhooks = createPassfortWebhooks({
      secret: SECRET,
      delivery: 'queue',
      stalledAfterMs: 20,
      queue: inProcessQueue({ retryDelayMs: 1, drainTimeoutMs: 10 }),
    });
    let block = true;
    webhooks.onAny(async () => {
      while (block) await new Promise((resolve) => setTimeout(resolve, 5));
    });
    await webhooks.handle(post(batch(2)));
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect((await webhooks.status()).queue).toBe('stalled');
    block = false;
    await until(async () => (await webhooks.status()).queue === 'empty');
    expect((await webhooks.status()).lastProcessedAt).toBeInstanceOf(Date);
    await webhooks.close();
  });

  it('keeps the 10 most recent failures, newest first, without secrets', async () => {
    const webhooks = createPassfortWebhooks({ secret: SECRET, maxAttempts: 100 });
    webhooks.onAny((event) => {
      throw new Error(`failed ${event.id}`);
    });
    for (let i = 0; i < 12; i++) await webhooks.handle(post(productStatusChanged(webhookId(i))));
    const { recentFailures } = await webhooks.status();
    expect(recentFailures).toHaveLength(10);
    expect(recentFailures[0]).toMatchObject({
      id: webhookId(11),
      attempts: 1,
      deadLettered: false,
    });
    expect(JSON.stringify(recentFailures)).not.toContain(SECRET);
  });
});
