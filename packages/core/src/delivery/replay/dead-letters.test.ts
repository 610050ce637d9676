/**
 * Order-safe replay, end to end through `createPassfortWebhooks`: on the memory store, and on
 * the Redis store when Redis is reachable. A dead letter replayed after newer webhooks for its
 * profile were processed is refused by default (409), runs when asked with `ctx.replay`
 * saying by whom it was superseded, and a letter nothing superseded replays as before.
 */
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { REDIS_URL, redisAvailable, uniqueName } from '../../../test/services.js';
import { bearer, productStatusChanged, SECRET, webhookId } from '../../../test/webhook-fixtures.js';
import { createPassfortWebhooks } from '../../create-passfort-webhooks.js';
import { ConfigurationError } from '../../errors/configuration-error.js';
import { DeadLetterNotFoundError } from '../../errors/dead-letter-not-found-error.js';
import { DeadLetterSupersededError } from '../../errors/dead-letter-superseded-error.js';
import { HandlerError } from '../../errors/handler-error.js';
import { redisStore } from '../../redis/redis-dedupe-store.js';
import type { DedupeStore } from '../../stores/dedupe-store.js';
import { memoryStore } from '../../stores/memory/memory-store.js';
import { createLoopGuard } from '../../sync/loop-guard.js';
import type { ReplayInfo } from '../webhook-handler.js';

const P = 'profile-P';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A PRODUCT_STATUS_CHANGED webhook number `n` about `profile` (none when null). */
function webhook(n: number, profile: string | null = P) {
  const { profile_id: _, ...data } = productStatusChanged(webhookId(n)).data;
  return {
    ...productStatusChanged(webhookId(n)),
    data: profile === null ? data : { ...data, profile_id: profile },
  };
}

interface OpenedStore {
  store: DedupeStore;
  cleanup(): Promise<void>;
}

const stores: { name: string; open(): Promise<OpenedStore> }[] = [
  { name: 'memory store', open: async () => ({ store: memoryStore(), cleanup: async () => {} }) },
];
if (await redisAvailable()) {
  stores.push({
    name: 'Redis store',
    async open() {
      const client = new Redis(REDIS_URL);
      const prefix = uniqueName('pfw-replay');
      return {
        store: redisStore({ client, prefix, logger: false }),
        async cleanup() {
          const keys = await client.keys(`{${prefix}}:*`);
          if (keys.length > 0) await client.del(...keys);
          client.disconnect();
        },
      };
    },
  });
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

/** A receiver that dead-letters at the first failure, and records every handler run. */
async function receiver(open: () => Promise<OpenedStore>) {
  const { store, cleanup } = await open();
  const webhooks = createPassfortWebhooks({ secret: SECRET, store, maxAttempts: 1, logger: false });
  cleanups.push(async () => {
    await webhooks.close();
    await cleanup();
  });
  const failing = new Set<string>();
  const runs: { id: string; replay: ReplayInfo | undefined }[] = [];
  webhooks.on('PRODUCT_STATUS_CHANGED', (event, ctx) => {
    runs.push({ id: event.id, replay: ctx.replay });
    if (failing.has(event.id)) throw new Error(`the CRM refused ${event.id}`);
  });
  const send = async (...batch: unknown[]) => {
    const answer = await webhooks.handle({
      method: 'POST',
      headers: bearer(),
      body: JSON.stringify(batch),
    });
    expect(answer.status).toBe(200);
    return answer.counts;
  };
  /** Dead-letters `hooks`, one request each, then lets a millisecond pass (stores keep ms). */
  const deadLetter = async (...hooks: ReturnType<typeof webhook>[]) => {
    for (const hook of hooks) {
      failing.add(hook.id);
      expect(await send(hook)).toMatchObject({ deadLettered: 1 });
      failing.delete(hook.id);
      await sleep(2); // each set aside at a time of its own, as Passfort's order has them
    }
    await sleep(5);
  };
  const runsOf = (id: string) => runs.filter((run) => run.id === id);
  return { webhooks, store, send, deadLetter, runs, runsOf, failing };
}

describe.each(stores)('order-safe replay on the $name', ({ open }) => {
  it('refuses by default to replay a letter that newer webhooks for its profile superseded, runs it once when asked, with ctx.replay, and removes it', async () => {
    const { webhooks, send, deadLetter, runsOf } = await receiver(open);
    const [a, b, c] = [webhook(1), webhook(2), webhook(3)];
    await deadLetter(a);
    const letter = await webhooks.deadLetters.get(a.id);
    expect(letter?.profileId).toBe(P);
    expect(await send(b, c)).toMatchObject({ processed: 2 });

    const superseded = await webhooks.deadLetters.supersededBy(a.id);
    expect(superseded.count).toBe(2);
    expect(superseded.webhooks.map(({ id, event }) => [id, event])).toEqual([
      [b.id, 'PRODUCT_STATUS_CHANGED'],
      [c.id, 'PRODUCT_STATUS_CHANGED'],
    ]);
    for (const { processedAt } of superseded.webhooks) {
      expect(processedAt).toBeGreaterThan(letter!.failedAt);
    }

    const refused = await webhooks.deadLetters.replay(a.id).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(DeadLetterSupersededError);
    expect(refused).toMatchObject({
      status: 409,
      code: 'DEAD_LETTER_SUPERSEDED',
      supersededCount: 2,
      supersededBy: superseded.webhooks,
    });
    expect(runsOf(a.id)).toHaveLength(1); // the failure only: nothing ran
    expect((await webhooks.deadLetters.list()).map((l) => l.id)).toEqual([a.id]);

    await webhooks.deadLetters.replay(a.id, { ifSuperseded: 'run' });
    expect(runsOf(a.id)).toHaveLength(2);
    expect(runsOf(a.id)[1]!.replay).toEqual({
      deadLetteredAt: new Date(letter!.failedAt),
      supersededCount: 2,
      supersededBy: superseded.webhooks,
    });
    expect(await webhooks.deadLetters.list()).toEqual([]);
    expect(await webhooks.deadLetters.get(a.id)).toBeUndefined();
    // Replayed and removed: still done, so Passfort's redelivery runs nothing.
    expect(await send(a)).toMatchObject({ processed: 0, duplicates: 1 });
    expect(runsOf(a.id)).toHaveLength(2);
    expect(runsOf(b.id)).toHaveLength(1);
  });

  it('replays a letter nothing superseded as before, telling its handlers it is a replay', async () => {
    const { webhooks, send, deadLetter, runsOf } = await receiver(open);
    const [a, other, unnamed] = [webhook(1), webhook(2, 'profile-Q'), webhook(3, null)];
    await deadLetter(a);
    // Newer webhooks, but for another profile and for none.
    expect(await send(other, unnamed)).toMatchObject({ processed: 2 });
    const letter = await webhooks.deadLetters.get(a.id);
    expect(await webhooks.deadLetters.supersededBy(a.id)).toEqual({ count: 0, webhooks: [] });
    await webhooks.deadLetters.replay(a.id);
    expect(runsOf(a.id).map((run) => run.replay)).toEqual([
      undefined, // Passfort's delivery
      { deadLetteredAt: new Date(letter!.failedAt), supersededCount: 0, supersededBy: [] },
    ]);
    expect(await webhooks.deadLetters.list()).toEqual([]);
  });

  it('never holds back a letter that names no profile', async () => {
    const { webhooks, send, deadLetter, runsOf } = await receiver(open);
    const unnamed = webhook(1, null);
    await deadLetter(unnamed);
    expect((await webhooks.deadLetters.get(unnamed.id))?.profileId).toBeUndefined();
    expect(await send(webhook(2), webhook(3, null))).toMatchObject({ processed: 2 });
    await webhooks.deadLetters.replay(unnamed.id);
    expect(runsOf(unnamed.id)).toHaveLength(2);
    expect(runsOf(unnamed.id)[1]!.replay?.supersededCount).toBe(0);
  });

  it('records a replay that succeeded like any processed webhook: an older letter replayed afterwards is superseded by it', async () => {
    const { webhooks, deadLetter, runsOf } = await receiver(open);
    const [older, newer] = [webhook(1), webhook(2)];
    await deadLetter(older, newer);
    // Nothing ran for P since either was set aside: the newer one replays at once.
    await webhooks.deadLetters.replay(newer.id);
    await expect(webhooks.deadLetters.replay(older.id)).rejects.toMatchObject({
      code: 'DEAD_LETTER_SUPERSEDED',
      supersededCount: 1,
      supersededBy: [expect.objectContaining({ id: newer.id })],
    });
    expect(runsOf(older.id)).toHaveLength(1);
    expect(await webhooks.deadLetters.get(older.id)).toBeDefined();
  });

  it("replays a profile's letters oldest first without calling each later one superseded by the one before it", async () => {
    const { webhooks, deadLetter, runsOf } = await receiver(open);
    const [first, second, third] = [webhook(1), webhook(2), webhook(3)];
    await deadLetter(first, second, third);
    await webhooks.deadLetters.replay(first.id);
    await webhooks.deadLetters.replay(second.id);
    await webhooks.deadLetters.replay(third.id);
    expect([first, second, third].map((each) => runsOf(each.id).length)).toEqual([2, 2, 2]);
    expect(await webhooks.deadLetters.list()).toEqual([]);
  });

  it('keeps the letter and records nothing when its handler fails again, even when run anyway', async () => {
    const { webhooks, send, deadLetter, runsOf, failing } = await receiver(open);
    const [older, a, b] = [webhook(1), webhook(2), webhook(3)];
    await deadLetter(older, a);
    await send(b);
    failing.add(a.id);
    await expect(webhooks.deadLetters.replay(a.id, { ifSuperseded: 'run' })).rejects.toBeInstanceOf(
      HandlerError,
    );
    expect(runsOf(a.id)).toHaveLength(2);
    expect(await webhooks.deadLetters.get(a.id)).toBeDefined();
    // The failed replay is not a processed webhook: the older letter is superseded by b only.
    expect((await webhooks.deadLetters.supersededBy(older.id)).webhooks.map((w) => w.id)).toEqual([
      b.id,
    ]);
  });

  it('counts collected-data webhooks and their echoes, whose path awaits the loop guard first', async () => {
    const { store, cleanup } = await open();
    const loopGuard = createLoopGuard();
    const webhooks = createPassfortWebhooks({
      secret: SECRET,
      store,
      loopGuard,
      maxAttempts: 1,
      logger: false,
    });
    cleanups.push(async () => {
      await webhooks.close();
      await cleanup();
    });
    let failing = true;
    webhooks.onAny(() => {
      if (failing) throw new Error('down');
    });
    const collected = (n: number, user: unknown) => ({
      id: webhookId(n),
      event: 'COLLECTED_DATA_CHANGED',
      secret: SECRET,
      timestamp: 1,
      data: { profile_id: P, old_data: {}, new_data: { entity_type: 'INDIVIDUAL', n }, user },
    });
    const send = (body: unknown) =>
      webhooks.handle({ method: 'POST', headers: bearer(), body: JSON.stringify(body) });
    expect((await send(collected(1, null))).counts).toMatchObject({ deadLettered: 1 });
    await sleep(5);
    failing = false;
    await loopGuard.rememberWrite(P, { entity_type: 'INDIVIDUAL', n: 3 });
    const answer = await send([
      collected(2, { id: 'u', email: 'e', name: 'n' }),
      collected(3, null),
    ]);
    expect(answer.counts).toMatchObject({ processed: 1, echoes: 1 });
    const superseded = await webhooks.deadLetters.supersededBy(webhookId(1));
    expect(superseded.webhooks.map((w) => w.id)).toEqual([webhookId(2), webhookId(3)]);
  });
});

describe('deadLetters.replay and supersededBy', () => {
  it('refuses an ifSuperseded it does not know, and an id that is not a dead letter', async () => {
    const { webhooks, deadLetter } = await receiver(stores[0]!.open);
    await deadLetter(webhook(1));
    await expect(
      webhooks.deadLetters.replay(webhookId(1), { ifSuperseded: 'always' as 'run' }),
    ).rejects.toBeInstanceOf(ConfigurationError);
    await expect(webhooks.deadLetters.supersededBy('nope')).rejects.toBeInstanceOf(
      DeadLetterNotFoundError,
    );
    await expect(webhooks.deadLetters.replay('nope')).rejects.toBeInstanceOf(
      DeadLetterNotFoundError,
    );
  });

  it('replays as before on a store without processedSince (it cannot tell)', async () => {
    const { processedSince: _, ...withoutHistory } = memoryStore();
    const { webhooks, send, deadLetter, runsOf } = await receiver(async () => ({
      store: withoutHistory,
      cleanup: async () => {},
    }));
    await deadLetter(webhook(1));
    await send(webhook(2));
    expect(await webhooks.deadLetters.supersededBy(webhookId(1))).toEqual({
      count: 0,
      webhooks: [],
    });
    await webhooks.deadLetters.replay(webhookId(1));
    expect(runsOf(webhookId(1))[1]!.replay?.supersededCount).toBe(0);
  });

  it('finds the profile in the webhook of a letter stored without profileId (set aside before it existed)', async () => {
    const store = memoryStore();
    const { webhooks, send, runsOf } = await receiver(async () => ({
      store,
      cleanup: async () => {},
    }));
    const old = webhook(1);
    await store.addDeadLetter({
      id: old.id,
      event: old.event,
      webhook: { id: old.id, event: old.event, timestamp: old.timestamp, data: old.data },
      reason: 'max-attempts',
      error: 'down',
      attempts: 8,
      failedAt: Date.now() - 1000,
    });
    await send(webhook(2));
    await expect(webhooks.deadLetters.replay(old.id)).rejects.toBeInstanceOf(
      DeadLetterSupersededError,
    );
    expect(runsOf(old.id)).toEqual([]);
  });

  it('does the same on queue delivery, whose worker records completions too', async () => {
    const store = memoryStore();
    const webhooks = createPassfortWebhooks({
      secret: SECRET,
      store,
      delivery: 'queue',
      maxAttempts: 1,
      logger: false,
    });
    cleanups.push(() => webhooks.close());
    const ran: string[] = [];
    webhooks.onAny((event) => {
      ran.push(event.id);
      if (event.id === webhookId(1)) throw new Error('down');
    });
    const drained = async () => {
      for (let i = 0; i < 100 && (await webhooks.status()).queue !== 'empty'; i++) await sleep(10);
    };
    const send = (body: unknown) =>
      webhooks.handle({ method: 'POST', headers: bearer(), body: JSON.stringify(body) });
    await send([webhook(1)]);
    await drained();
    expect(await webhooks.deadLetters.get(webhookId(1))).toBeDefined();
    await sleep(5);
    await send([webhook(2)]);
    await drained();
    expect(ran).toEqual([webhookId(1), webhookId(2)]);
    await expect(webhooks.deadLetters.replay(webhookId(1))).rejects.toMatchObject({
      supersededCount: 1,
    });
  });
});
