import { describe, expect, it } from 'vitest';
import { batch, bearer, SECRET } from '../../../test/webhook-fixtures.js';
import { createPassfortWebhooks } from '../../create-passfort-webhooks.js';
import type { DedupeStore } from '../../stores/dedupe-store.js';
import { memoryStore } from '../../stores/memory/memory-store.js';
import { LeaseKeeper } from './lease-keeper.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('leases renewed while handlers run', () => {
  it('never lets a redelivery take over a slow but live handler, however long it runs past its lease', {
    timeout: 15_000,
  }, async () => {
    // Two replicas on one store, as behind a load balancer; a lease of 1 s, and a handler that
    // takes four leases.
    const store = memoryStore();
    const runs: string[] = [];
    const replica = () => {
      const webhooks = createPassfortWebhooks({
        secret: SECRET,
        store,
        leaseMs: 1_000,
        deadlineMs: 8_000,
        logger: false,
      });
      webhooks.onAny(async (event) => {
        runs.push(event.id);
        await sleep(4_000);
      });
      return webhooks;
    };
    const [first, second] = [replica(), replica()];
    const request = { method: 'POST', headers: bearer(), body: JSON.stringify(batch(1)) };
    const slow = first.handle(request);
    await sleep(2_500); // the first lease would have ended twice over by now
    const redelivery = await second.handle(request);
    expect(redelivery.status).toBe(503);
    expect(JSON.parse(redelivery.body)).toMatchObject({ error: { code: 'IN_PROGRESS' } });
    expect((await slow).status).toBe(200);
    expect((await second.handle(request)).counts).toMatchObject({ duplicates: 1 });
    expect(runs).toHaveLength(1);
    await Promise.all([first.close(), second.close()]);
  });

  it('defaults to a 9 s lease with a store that renews, and 60 s with one that cannot', async () => {
    const claims: number[] = [];
    const spy = (withRenew: boolean): DedupeStore => {
      const { renew, ...rest } = memoryStore();
      const store: DedupeStore = {
        ...rest,
        claim: (ids, options) => {
          claims.push(options.leaseMs);
          return rest.claim(ids, options);
        },
      };
      return withRenew && renew !== undefined ? { ...store, renew } : store;
    };
    for (const withRenew of [true, false]) {
      const webhooks = createPassfortWebhooks({
        secret: SECRET,
        store: spy(withRenew),
        logger: false,
      });
      await webhooks.handle({ method: 'POST', headers: bearer(), body: JSON.stringify(batch(1)) });
      await webhooks.close();
    }
    expect(claims).toEqual([9_000, 60_000]);
  });

  it('keeps at most one renewal in flight: a slow store gets no pile of renewals, each holding a connection', async () => {
    let inFlight = 0;
    let most = 0;
    let calls = 0;
    const slowStore: DedupeStore = {
      ...memoryStore(),
      async renew() {
        calls++;
        inFlight++;
        most = Math.max(most, inFlight);
        await sleep(200); // a store answering renewals slowly: 10 ticks of the 20 ms interval
        inFlight--;
      },
    };
    const keeper = new LeaseKeeper(slowStore, 60, {});
    const hold = keeper.hold(() => ['a']);
    await sleep(700);
    hold.release();
    expect(most).toBe(1);
    expect(calls).toBeGreaterThanOrEqual(2); // it went on renewing once each one finished
  });
});
