/**
 * Owners, optional (`owners: false` skips these): a claim's holder alone completes, releases
 * or renews it, so that a delivery paused past its lease cannot complete what another delivery
 * took over, and a receiver in that place logs the refusal and does not ack the webhook.
 */
import { createPassfortWebhooks } from '@passfort-webhooks/core';
import { type ConformanceCase, expectEqual, expectTrue, sleep } from '../conformance-case.js';
import { KIT_SECRET, kitHeaders, kitWebhook, kitWebhookId } from '../kit-webhooks.js';
import { type OpenDedupeStore, optionalStoreCase } from './store-case.js';

const noOwners =
  'the store does not check owners (optional): a delivery paused past its lease can complete what another delivery took over';
const refusedOf = (result: unknown) =>
  (result as { refused?: readonly string[] } | undefined)?.refused ?? [];

/** The three owner cases; `owners` is the kit's option of that name. */
export function ownerCases(open: OpenDedupeStore, owners: boolean | undefined): ConformanceCase[] {
  return [
    heldByOwnerCase(open, owners),
    pausedDeliveryCase(open, owners),
    pausedReceiverCase(open, owners),
  ];
}

function heldByOwnerCase(open: OpenDedupeStore, owners: boolean | undefined): ConformanceCase {
  return optionalStoreCase(
    open,
    owners,
    noOwners,
    'refuses another owner’s complete, release and renew of a claim; its holder’s own, and calls that name no owner, still work',
    60_000,
    async ({ store }) => {
      const held = { leaseMs: 30_000, owner: 'owner-a' };
      await store.claim(['a', 'b', 'c'], held);
      expectEqual(
        refusedOf(await store.complete(['a'], { owner: 'owner-b' })),
        ['a'],
        'complete by another owner: refused, and reported',
      );
      await store.release(['b'], { owner: 'owner-b' });
      expectEqual(
        await store.claim(['a', 'b'], { leaseMs: 30_000, owner: 'owner-c' }),
        [{ status: 'busy' }, { status: 'busy' }],
        'still held by their owner after the refused complete and release',
      );
      if (store.renew !== undefined) {
        await store.claim(['d'], { leaseMs: 400, owner: 'owner-a' });
        await store.renew(['d'], { leaseMs: 30_000, owner: 'owner-b' });
        await sleep(600);
        expectEqual(
          (await store.claim(['d'], { leaseMs: 30_000, owner: 'owner-c' })).map((o) => o.status),
          ['claimed'],
          'renew by another owner did not extend the lease',
        );
      }
      expectEqual(
        refusedOf(await store.complete(['a'], { owner: 'owner-a' })),
        [],
        'complete by the holder',
      );
      await store.release(['b'], { owner: 'owner-a' });
      expectEqual(refusedOf(await store.complete(['c'])), [], 'complete naming no owner');
      expectEqual(
        (await store.claim(['a', 'b', 'c'], { leaseMs: 30_000, owner: 'owner-c' })).map(
          (o) => o.status,
        ),
        ['done', 'claimed', 'done'],
        'after the holder’s complete and release',
      );
    },
  );
}

function pausedDeliveryCase(open: OpenDedupeStore, owners: boolean | undefined): ConformanceCase {
  return optionalStoreCase(
    open,
    owners,
    noOwners,
    'a delivery paused past its lease: once another owner claimed the id its late completion is refused, even after that owner completed it; a lapsed lease nobody took over can still be completed',
    60_000,
    async ({ store, another }) => {
      const other = await another();
      try {
        await store.claim(['late', 'lapsed'], { leaseMs: 300, owner: 'paused' });
        await sleep(500); // the process froze past its lease
        expectEqual(
          (await other.claim(['late'], { leaseMs: 30_000, owner: 'taker' })).map((o) => o.status),
          ['claimed'],
          'the redelivery takes the lapsed claim over',
        );
        expectEqual(
          refusedOf(await store.complete(['late', 'lapsed'], { owner: 'paused' })),
          ['late'],
          'the paused delivery resumes: its completion of the taken-over id is refused',
        );
        expectEqual(
          await other.claim(['late', 'lapsed'], { leaseMs: 30_000, owner: 'third' }),
          [{ status: 'busy' }, { status: 'done' }],
          'the taker still holds it; the id nobody took over is done',
        );
        expectEqual(
          refusedOf(await other.complete(['late'], { owner: 'taker' })),
          [],
          'the taker completes it',
        );
        expectEqual(
          refusedOf(await store.complete(['late'], { owner: 'paused' })),
          ['late'],
          'a late completion after the taker completed it is refused too',
        );
      } finally {
        if (other !== store) await other.close?.();
      }
    },
  );
}

function pausedReceiverCase(open: OpenDedupeStore, owners: boolean | undefined): ConformanceCase {
  return optionalStoreCase(
    open,
    owners,
    noOwners,
    'a paused receiver’s late completion is refused and logged, and it does not answer 200 for it',
    60_000,
    async ({ store }) => {
      // No renewals, and a short lease: the receiver stands for a process frozen past it.
      const { renew: _renew, ...unrenewed } = store;
      const warnings: { fields: unknown; message: string }[] = [];
      const webhooks = createPassfortWebhooks({
        secret: KIT_SECRET,
        store: unrenewed,
        leaseMs: 300,
        logger: {
          warn: (fields: unknown, message?: string) =>
            void warnings.push({ fields, message: message ?? '' }),
        },
      });
      let resume = () => {};
      let started = () => {};
      const running = new Promise<void>((resolve) => {
        started = resolve;
      });
      webhooks.onAny(async () => {
        started();
        await new Promise<void>((resolve) => {
          resume = resolve;
        });
      });
      const webhook = kitWebhook(kitWebhookId(900));
      const answer = webhooks.handle({
        method: 'POST',
        headers: kitHeaders(),
        body: JSON.stringify(webhook),
      });
      await running;
      await sleep(500); // past the lease
      expectEqual(
        (await store.claim([webhook.id], { leaseMs: 30_000, owner: 'another-receiver' })).map(
          (o) => o.status,
        ),
        ['claimed'],
        'another receiver takes the claim over',
      );
      resume();
      const response = await answer;
      expectTrue(
        response.status !== 200,
        `the paused receiver does not ack it (${response.status})`,
      );
      expectTrue(
        warnings.some(
          ({ fields, message }) =>
            /completion refused/.test(message) && JSON.stringify(fields).includes(webhook.id),
        ),
        `the refusal is logged with the id (${JSON.stringify(warnings)})`,
      );
      expectEqual(
        (await store.claim([webhook.id], { leaseMs: 30_000, owner: 'third' })).map((o) => o.status),
        ['busy'],
        'the receiver that took it over still holds it',
      );
      await webhooks.close();
    },
  );
}
