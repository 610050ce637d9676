/**
 * A burst of concurrent writers, end to end: API clients (as separate app instances would
 * be, sharing one loop-guard store) each append a document through `updateCollectedData`
 * against the project's local Passfort API, which fires one COLLECTED_DATA_CHANGED per write
 * that landed; the receiver gets them afterwards, in order, as Passfort's batching delivers
 * them, and runs the README's handler. Every echo must be recognised, so the handler never
 * writes a stale snapshot over the app's copy.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Emulator } from '../../../testing/src/emulator.js';
import { FakePassfortApi } from '../../../testing/src/fake-passfort-api.js';
import { bearer, SECRET } from '../../test/webhook-fixtures.js';
import { createPassfortClient } from '../client/create-passfort-client.js';
import { createPassfortWebhooks } from '../create-passfort-webhooks.js';
import type { CollectedData } from '../events/collected-data-schema.js';
import { createLoopGuard } from './loop-guard.js';

/** Collects the webhooks the fake API fires, to deliver them later as one batch. */
function collectingSender(): Emulator & { batch: Record<string, unknown>[] } {
  const batch: Record<string, unknown>[] = [];
  return {
    batch,
    emit(event: string, data: unknown) {
      const envelope = {
        id: crypto.randomUUID(),
        event,
        secret: SECRET,
        timestamp: Math.floor(Date.now() / 1000),
        data,
      };
      batch.push(envelope);
      return envelope;
    },
  } as unknown as Emulator & { batch: Record<string, unknown>[] };
}

let api: FakePassfortApi | undefined;
afterEach(async () => api?.close());

describe('a burst of concurrent writers', () => {
  for (const writers of [8, 50]) {
    it(`leaves no echo unrecognised and no stale write-back with ${writers} writers`, async () => {
      const sender = collectingSender();
      api = new FakePassfortApi({ apiKey: 'k', webhooks: sender });
      api.seed('p', { entity_type: 'INDIVIDUAL', documents: [{ id: 'd0' }] });
      const baseUrl = await api.listen();
      const loopGuard = createLoopGuard();
      const webhooks = createPassfortWebhooks({ secret: SECRET, loopGuard, logger: {} });
      const local = new Map<string, CollectedData>([['p', api.profiles.get('p')!.data]]);
      let staleWrites = 0;
      webhooks.on('COLLECTED_DATA_CHANGED', async (event, ctx) => {
        const ours = local.get(event.data.profile_id);
        if (ctx.diffAgainst(ours).length === 0) return;
        staleWrites++;
        local.set(event.data.profile_id, event.data.new_data);
      });

      await Promise.all(
        Array.from({ length: writers }, async (_, i) => {
          const client = createPassfortClient({ apiKey: 'k', baseUrl, loopGuard });
          const result = await client.updateCollectedData(
            'p',
            (data) => ({ ...data, documents: [...(data.documents ?? []), { id: `w${i}` }] }),
            { maxAttempts: writers + 1 },
          );
          // The app saves the latest copy it learnt of.
          if ((result.data.documents?.length ?? 0) > (local.get('p')!.documents?.length ?? 0)) {
            local.set('p', result.data);
          }
        }),
      );
      const answer = await webhooks.handle({
        method: 'POST',
        headers: bearer(),
        body: JSON.stringify(sender.batch),
      });

      expect(api.writes).toHaveLength(writers);
      expect(sender.batch).toHaveLength(writers);
      expect(answer.status).toBe(200);
      expect(answer.counts).toMatchObject({ echoes: writers, processed: 0 });
      expect(staleWrites).toBe(0);
      expect(local.get('p')!.documents).toHaveLength(writers + 1);
      expect(local.get('p')).toEqual(api.profiles.get('p')!.data);
      await webhooks.close();
    });
  }
});

describe('an attempt answered 412', () => {
  it('is never taken for an echo, though the write that landed after it is, once', async () => {
    api = new FakePassfortApi({ apiKey: 'k' });
    api.seed('p-1', { entity_type: 'INDIVIDUAL' });
    const loopGuard = createLoopGuard();
    const client = createPassfortClient({ apiKey: 'k', baseUrl: await api.listen(), loopGuard });
    const attempts: unknown[] = [];
    await client.updateCollectedData('p-1', (data) => {
      const next = { ...data, contact_details: { email: 'mine@example.com' } };
      attempts.push(next);
      if (attempts.length === 1) {
        api!.portalEdit('p-1', (current) => ({ ...current, customer_ref: 'theirs' }));
      }
      return next;
    });
    expect(attempts).toHaveLength(2);
    const apiChange = (new_data: unknown) => ({ profile_id: 'p-1', new_data, user: null });
    expect(await loopGuard.isEcho(apiChange(api.profiles.get('p-1')!.data))).toBe(true);
    expect(await loopGuard.isEcho(apiChange(api.profiles.get('p-1')!.data))).toBe(false);
    // The attempt answered 412 never landed: the same data written later by another system
    // is a real change.
    expect(await loopGuard.isEcho(apiChange(attempts[0]))).toBe(false);
  });
});
