import type mysql from 'mysql2/promise';
import { afterEach, describe, expect, it } from 'vitest';
import { cleanUpAdversaries, openAdversary as open } from '../../test/mysql-adversary.js';
import { mysqlAvailable } from '../../test/services.js';
import { bearer, productStatusChanged, webhookId } from '../../test/webhook-fixtures.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Attacks on the MariaDB store's claims and completions (issue 40's one-statement claim with
 * RETURNING, and the completion that skips its read): concurrent and overlapping claimers, a
 * completion racing a takeover, replicas. The case marked `it.fails` is a known limit of the
 * store API, which the engine never reaches (see its comment).
 */
describe.runIf(await mysqlAvailable())('mysqlStore claims under attack', () => {
  afterEach(cleanUpAdversaries);

  // ---------------------------------------------------------------- claims (commit 1)

  it('30 concurrent claims of one id (one-row RETURNING): exactly one is claimed', async () => {
    const db = await open({ connectionLimit: 30 });
    const id = 'dup-one';
    const answers = await Promise.all(
      Array.from({ length: 30 }, (_, n) =>
        db.store.claim([id], { leaseMs: 30_000, owner: `o${n}` }),
      ),
    );
    const claimed = answers.filter(([a]) => a!.status === 'claimed');
    expect(claimed).toHaveLength(1);
    expect(claimed[0]![0]).toEqual({ status: 'claimed', attempt: 1 });
    expect(answers.filter(([a]) => a!.status === 'busy')).toHaveLength(29);
  });

  it('overlapping batches claimed concurrently, in different orders: each id claimed exactly once', async () => {
    const db = await open({ connectionLimit: 20 });
    const ids = Array.from({ length: 12 }, (_, n) => `ov-${String(n).padStart(2, '0')}`);
    const batches = Array.from({ length: 20 }, (_, n) => {
      const start = n % 6;
      const batch = ids.slice(start, start + 7);
      return n % 2 === 0 ? batch : [...batch].reverse();
    });
    const answers = await Promise.all(
      batches.map((batch, n) => db.store.claim(batch, { leaseMs: 30_000, owner: `b${n}` })),
    );
    const claims = new Map<string, number>();
    for (const [n, batch] of batches.entries()) {
      for (const [i, id] of batch.entries()) {
        if (answers[n]![i]!.status === 'claimed') claims.set(id, (claims.get(id) ?? 0) + 1);
      }
    }
    expect([...claims.keys()].sort()).toEqual(ids);
    expect([...claims.values()].every((count) => count === 1)).toBe(true);
  });

  // KNOWN LIMIT, store API only (the two-step read sees the same
  // row): the second row of the same id in one INSERT … ON DUPLICATE KEY UPDATE matches the
  // claim's own token, so attempts is counted twice and the claim answers attempt 2. The
  // engine removes copies of an id from a batch before claiming (claim-batch.ts), so handle()
  // never sends this; see the next case.
  it.fails('a batch naming one id twice (store API): the id is claimed, at attempt 1, and a concurrent claimer gets busy', async () => {
    const db = await open();
    const [mine, theirs] = await Promise.all([
      db.store.claim(['twice', 'twice', 'once'], { leaseMs: 30_000, owner: 'a' }),
      db.store.claim(['twice'], { leaseMs: 30_000, owner: 'b' }),
    ]);
    const claimedBy = [mine[0]!.status, theirs[0]!.status].filter((s) => s === 'claimed');
    expect(claimedBy).toHaveLength(1);
    if (mine[0]!.status === 'claimed') {
      // Both entries name the same claim.
      expect(mine[0]).toEqual(mine[1]);
      expect(mine[0]).toEqual({ status: 'claimed', attempt: 1 });
    }
    expect(mine[2]).toEqual({ status: 'claimed', attempt: 1 });
  });

  it('a Passfort batch carrying the same webhook twice, delivered twice concurrently: fn once per id, then 200', async () => {
    const db = await open();
    const webhooks = db.receiver();
    let runs = 0;
    webhooks.on('PRODUCT_STATUS_CHANGED', async (event, ctx) => {
      await ctx.transaction(async (tx) => {
        runs++;
        await db.insert(tx, event.id);
      });
    });
    const [a, b] = [webhookId(550), webhookId(551)];
    const body = JSON.stringify([
      productStatusChanged(a),
      productStatusChanged(a),
      productStatusChanged(b),
    ]);
    const post = () => webhooks.handle({ method: 'POST', headers: bearer(), body });
    const answers = await Promise.all([post(), post()]);
    expect(answers.some((answer) => answer.status === 200)).toBe(true);
    expect((await post()).status).toBe(200);
    expect((await db.effectRows()).sort()).toEqual([a, b]);
    expect(runs).toBe(2);
    await webhooks.close();
  });

  for (const flags of [undefined, ['-FOUND_ROWS']]) {
    const label = flags === undefined ? 'default flags' : "flags ['-FOUND_ROWS']";
    it(`a completion racing a takeover is refused, one id or a batch (${label})`, async () => {
      const db = await open({ poolOptions: flags ? { flags } : {} });
      const other = db.other();
      // One id.
      await db.store.claim(['t1'], { leaseMs: 40, owner: 'a' });
      await sleep(80);
      expect(await other.claim(['t1'], { leaseMs: 30_000, owner: 'b' })).toEqual([
        { status: 'claimed', attempt: 2 },
      ]);
      expect(await db.store.complete(['t1'], { owner: 'a' })).toEqual({ refused: ['t1'] });
      // b's claim is intact: a third owner is busy, b completes.
      expect(await db.store.claim(['t1'], { leaseMs: 30_000, owner: 'c' })).toEqual([
        { status: 'busy' },
      ]);
      expect(await other.complete(['t1'], { owner: 'b' })).toEqual({ refused: [] });
      // A batch: one taken over, one still a's, one never claimed.
      await db.store.claim(['t2', 't3'], { leaseMs: 40, owner: 'a' });
      await sleep(80);
      await other.claim(['t3'], { leaseMs: 30_000, owner: 'b' });
      await db.store.renew!(['t2'], { leaseMs: 30_000, owner: 'a' }); // lapsed: not renewed
      expect(await db.store.complete(['t2', 't3', 't4'], { owner: 'a' })).toEqual({
        refused: ['t3'],
      });
      expect(await db.store.claim(['t2', 't3'], { leaseMs: 30_000, owner: 'c' })).toEqual([
        { status: 'done' },
        { status: 'busy' },
      ]);
    });

    it(`the same webhook delivered concurrently to two replicas, 10 times: one write, then 200 without fn (${label})`, async () => {
      const db = await open({ poolOptions: flags ? { flags } : {} });
      const otherStore = db.other();
      let runs = 0;
      const handler = async (
        event: { id: string },
        ctx: {
          transaction: (fn: (tx: mysql.PoolConnection) => Promise<unknown>) => Promise<unknown>;
        },
      ) => {
        await ctx.transaction(async (tx: mysql.PoolConnection) => {
          runs++;
          await db.insert(tx, event.id);
          await sleep(30);
          return { ok: true };
        });
      };
      const a = db.receiver(db.store);
      const b = db.receiver(otherStore);
      a.on('PRODUCT_STATUS_CHANGED', handler as never);
      b.on('PRODUCT_STATUS_CHANGED', handler as never);
      const id = webhookId(500);
      const answers = await Promise.all(
        Array.from({ length: 10 }, (_, n) => db.send(n % 2 === 0 ? a : b, id)),
      );
      expect(answers.filter((answer) => answer.status === 200).length).toBeGreaterThanOrEqual(1);
      expect(answers.every((answer) => answer.status < 500 || answer.status === 503)).toBe(true);
      expect(await db.effectRows()).toEqual([id]);
      expect((await db.send(a, id)).status).toBe(200);
      expect((await db.send(b, id)).status).toBe(200);
      expect(runs).toBe(1);
      await a.close();
      await b.close();
    });
  }
});
