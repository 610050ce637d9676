import { diffCollectedData } from '@passfort-webhooks/core/sync';
import { createEmulator, FakePassfortApi } from '@passfort-webhooks/testing';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSyncApp } from './sync-app.js';

const secret = 'sync-secret';
const apiKey = 'sync-api-key';
const profiles = ['p-1', 'p-2', 'p-3'];
const fields = ['email', 'phone_number'] as const;

let api: FakePassfortApi;
let baseUrl: string;
beforeAll(async () => {
  api = new FakePassfortApi({ apiKey });
  baseUrl = await api.listen();
});
afterAll(() => api.close());

const edit = fc.record({
  side: fc.constantFrom('passfort' as const, 'app' as const),
  profile: fc.constantFrom(...profiles),
  field: fc.constantFrom(...fields),
  value: fc.constantFrom('a', 'b', 'c'),
});

it('converges after random edits on both sides, writing to Passfort once per real change and never looping', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(edit, { minLength: 1, maxLength: 25 }), async (edits) => {
      for (const id of profiles) {
        api.seed(id, {
          entity_type: 'INDIVIDUAL',
          contact_details: { email: 'x', phone_number: 'x' },
          address_history: [
            {
              address: { type: 'STRUCTURED', country: 'GBR', route: 'Main St', locality: 'Leeds' },
            },
          ],
        });
      }
      api.writes.length = 0;
      api.webhooksSent.length = 0;
      const sync = createSyncApp({ webhookSecret: secret, apiKey, passfortBaseUrl: baseUrl });
      const { url, server } = await sync.listen();
      const passfort = createEmulator({
        target: `${url}/webhooks/passfort`,
        secret,
        timeScale: 0.001,
      });
      api.connect(passfort);
      for (const id of profiles) await sync.load(id);

      let realAppChanges = 0;
      for (const { side, profile, field, value } of edits) {
        if (side === 'passfort') {
          api.portalEdit(profile, (data) => ({
            ...data,
            contact_details: { ...(data['contact_details'] as object), [field]: `portal ${value}` },
          }));
        } else {
          const current = (sync.table.get(profile)!['contact_details'] as Record<string, string>)[
            field
          ];
          if (current !== `app ${value}`) realAppChanges++;
          await sync.editLocally(profile, (data) => ({
            ...data,
            contact_details: { ...(data['contact_details'] as object), [field]: `app ${value}` },
          }));
        }
        await passfort.drain();
      }
      await passfort.drain();
      await passfort.close();
      server.close();

      for (const id of profiles) {
        expect(diffCollectedData(sync.table.get(id), api.profiles.get(id)!.data)).toEqual([]);
      }
      expect(api.writes).toHaveLength(realAppChanges);
      // One webhook per change on either side, and no more: no write loop.
      const portalEdits = edits.filter((e) => e.side === 'passfort').length;
      expect(api.webhooksSent).toHaveLength(portalEdits + realAppChanges);
      expect((await sync.webhooks.status()).echoes).toBe(realAppChanges);
      await sync.webhooks.close();
    }),
    { numRuns: 15 },
  );
}, 60_000);

describe('concurrent local saves', () => {
  for (const saves of [7, 50]) {
    for (const batching of [false, true]) {
      it(`loses no field with ${saves} concurrent saves and a portal edit, webhooks ${batching ? 'batched' : 'one by one'}`, async () => {
        api.seed('p-burst', { entity_type: 'INDIVIDUAL', contact_details: { email: 'x' } });
        api.writes.length = 0;
        const sync = createSyncApp({ webhookSecret: secret, apiKey, passfortBaseUrl: baseUrl });
        const { url, server } = await sync.listen();
        const passfort = createEmulator({
          target: `${url}/webhooks/passfort`,
          secret,
          timeScale: 0.001,
          batching,
          batchIntervalMs: () => Math.random() * 100_000,
          deadlineMs: { batched: 5_000, single: 5_000 },
        });
        api.connect(passfort);
        try {
          await sync.load('p-burst');
          const results = await Promise.allSettled([
            ...Array.from({ length: saves }, (_, i) =>
              sync.editLocally('p-burst', (data) => ({ ...data, [`field_${i}`]: `value ${i}` })),
            ),
            new Promise<void>((resolve) =>
              setTimeout(() => {
                api.portalEdit('p-burst', (data) => ({ ...data, customer_ref: 'from the portal' }));
                resolve();
              }, 5),
            ),
          ]);
          expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
          await passfort.drain({ timeoutMs: 15_000 });

          const theirs = api.profiles.get('p-burst')!.data;
          const ours = sync.table.get('p-burst')!;
          for (let i = 0; i < saves; i++) {
            expect(theirs[`field_${i}`]).toBe(`value ${i}`);
            expect(ours[`field_${i}`]).toBe(`value ${i}`);
          }
          expect(theirs['customer_ref']).toBe('from the portal');
          expect(diffCollectedData(ours, theirs)).toEqual([]);
          // One write per save, none of them a write-back.
          expect(api.writes).toHaveLength(saves);
          expect((await sync.webhooks.status()).echoes).toBe(saves);
        } finally {
          await passfort.close();
          server.close();
          await sync.webhooks.close();
        }
      }, 30_000);
    }
  }
});
