/**
 * A replay is a delivery (issue 32): it claims the letter, so concurrent replays run it once; it
 * refuses a letter no handler would run instead of deleting it; and on a receiver whose
 * handlers run on the workers (`consume: false`) it hands the letter to them.
 */
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { REDIS_URL, redisAvailable, uniqueName } from '../../test/services.js';
import { bearer, productStatusChanged, SECRET, webhookId } from '../../test/webhook-fixtures.js';
import { bullmqQueue } from '../bullmq/bullmq-queue.js';
import { createPassfortWebhooks } from '../create-passfort-webhooks.js';
import { createWorker } from '../create-worker.js';
import { redisStore } from '../redis/redis-dedupe-store.js';
import { memoryStore } from '../stores/memory/memory-store.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

function send(
  webhooks: { handle: ReturnType<typeof createPassfortWebhooks>['handle'] },
  body: unknown,
) {
  return webhooks.handle({ method: 'POST', headers: bearer(), body: JSON.stringify(body) });
}

/** A receiver whose first run of every webhook fails, so each one becomes a dead letter. */
function deadLettering() {
  const webhooks = createPassfortWebhooks({
    secret: SECRET,
    store: memoryStore(),
    maxAttempts: 1,
    logger: false,
  });
  cleanups.push(() => webhooks.close());
  return webhooks;
}

describe('a replay is a delivery', () => {
  it('three concurrent replays of one letter run its handler once; the others are told why', async () => {
    const webhooks = deadLettering();
    let runs = 0;
    let failing = true;
    webhooks.on('PRODUCT_STATUS_CHANGED', async () => {
      runs++;
      if (failing) throw new Error('the CRM was down');
      await sleep(100); // a replay that takes a moment, as real ones do
    });
    const id = webhookId(1);
    expect((await send(webhooks, productStatusChanged(id))).counts).toMatchObject({
      deadLettered: 1,
    });
    failing = false;
    const outcomes = await Promise.allSettled([1, 2, 3].map(() => webhooks.deadLetters.replay(id)));
    expect(runs).toBe(2); // the failed delivery, then one replay
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    const refused = outcomes
      .filter((o): o is PromiseRejectedResult => o.status === 'rejected')
      .map((o) => (o.reason as { code: string }).code);
    expect(
      refused.every((code) => code === 'IN_PROGRESS' || code === 'DEAD_LETTER_NOT_FOUND'),
    ).toBe(true);
    expect(await webhooks.deadLetters.list()).toEqual([]);
  });

  it('returns what it did: the handlers it ran', async () => {
    const webhooks = deadLettering();
    let failing = true;
    webhooks.on('PRODUCT_STATUS_CHANGED', () => {
      if (failing) throw new Error('down');
    });
    webhooks.onAny(() => {});
    const id = webhookId(2);
    await send(webhooks, productStatusChanged(id));
    failing = false;
    expect(await webhooks.deadLetters.replay(id)).toEqual({ outcome: 'ran', handlers: 2 });
  });

  it('refuses a schema-mismatch letter no handler would run, keeps it, and runs it when told to take the payload as it is', async () => {
    const webhooks = deadLettering();
    const typed: string[] = [];
    webhooks.on('PRODUCT_STATUS_CHANGED', (event, ctx) => {
      typed.push(`${event.id}:${ctx.validated}`);
    });
    const id = webhookId(3);
    const broken = productStatusChanged(id);
    (broken.data as Record<string, unknown>)['new_status'] = 42; // not a string: misses the schema
    expect((await send(webhooks, broken)).counts).toMatchObject({ deadLettered: 1 });
    await expect(webhooks.deadLetters.replay(id)).rejects.toMatchObject({
      code: 'DEAD_LETTER_NOT_REPLAYABLE',
      message: expect.stringMatching(/still does not match the schema.*ignoreSchemaMismatch/),
    });
    expect(typed).toEqual([]);
    expect(await webhooks.deadLetters.get(id)).toBeDefined();
    expect(await webhooks.deadLetters.replay(id, { ignoreSchemaMismatch: true })).toEqual({
      outcome: 'ran',
      handlers: 1,
    });
    expect(typed).toEqual([`${id}:false`]);
    expect(await webhooks.deadLetters.get(id)).toBeUndefined();
  });

  it('refuses a letter on a receiver with no handler for its event, and keeps it', async () => {
    const store = memoryStore();
    const failing = createPassfortWebhooks({
      secret: SECRET,
      store,
      maxAttempts: 1,
      logger: false,
    });
    failing.on('PRODUCT_STATUS_CHANGED', () => {
      throw new Error('down');
    });
    const id = webhookId(4);
    await send(failing, productStatusChanged(id));
    await failing.close();
    const console = createPassfortWebhooks({ secret: SECRET, store, logger: false });
    cleanups.push(() => console.close());
    await expect(console.deadLetters.replay(id)).rejects.toMatchObject({
      code: 'DEAD_LETTER_NOT_REPLAYABLE',
      message: expect.stringMatching(/no handler for PRODUCT_STATUS_CHANGED/),
    });
    expect(await console.deadLetters.get(id)).toBeDefined();
  });
});

describe.runIf(await redisAvailable())('a replay from a consume: false receiver', () => {
  it('is handed to the workers, which run it and then remove the letter', {
    timeout: 20_000,
  }, async () => {
    const name = uniqueName('pfw-replay-q');
    const prefix = uniqueName('pfw-replay-store');
    const client = new Redis(REDIS_URL);
    const redisUrl = new URL(REDIS_URL);
    const connection = { host: redisUrl.hostname, port: Number(redisUrl.port || 6379) };
    const store = () => redisStore({ client, prefix, logger: false });
    const receiverQueue = bullmqQueue({ connection, name });
    const receiver = createPassfortWebhooks({
      secret: SECRET,
      delivery: 'queue',
      queue: receiverQueue,
      consume: false,
      store: store(),
      logger: false,
    });
    const worker = createWorker({
      queue: bullmqQueue({ connection, name }),
      store: store(),
      maxAttempts: 1,
      logger: false,
    });
    let failing = true;
    const runs: string[] = [];
    worker.on('PRODUCT_STATUS_CHANGED', (event, ctx) => {
      runs.push(`${event.id}:${ctx.replay === undefined ? 'delivery' : 'replay'}`);
      if (failing) throw new Error('down');
    });
    cleanups.push(async () => {
      await receiver.close();
      await worker.close();
      await receiverQueue.close();
      const keys = [
        ...(await client.keys(`{${prefix}}*`)),
        ...(await client.keys(`bull:${name}*`)),
      ];
      if (keys.length > 0) await client.del(...keys);
      client.disconnect();
    });
    await worker.start();
    const id = webhookId(5);
    expect((await send(receiver, productStatusChanged(id))).status).toBe(200);
    for (let i = 0; i < 200 && (await receiver.deadLetters.list()).length === 0; i++)
      await sleep(25);
    expect(runs).toEqual([`${id}:delivery`]);
    failing = false;
    expect(await receiver.deadLetters.replay(id)).toEqual({ outcome: 'enqueued' });
    for (let i = 0; i < 200 && (await receiver.deadLetters.list()).length > 0; i++) await sleep(25);
    expect(runs).toEqual([`${id}:delivery`, `${id}:replay`]);
    expect(await receiver.deadLetters.list()).toEqual([]);
  });
});
