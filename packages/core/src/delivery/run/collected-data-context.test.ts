import { describe, expect, it } from 'vitest';
import { bearer, SECRET } from '../../../test/webhook-fixtures.js';
import { createPassfortWebhooks } from '../../create-passfort-webhooks.js';
import { createLoopGuard } from '../../sync/loop-guard.js';
import type { CollectedDataContext } from '../webhook-handler.js';

const oldData = { entity_type: 'INDIVIDUAL', contact_details: { email: 'a@example.com' } };
const newData = {
  entity_type: 'INDIVIDUAL',
  contact_details: { email: 'b@example.com' },
  ip_location: { continent: 'Europe' },
};

function collectedDataChanged(id: string, user: unknown, data = newData) {
  return {
    method: 'POST',
    headers: bearer(),
    body: JSON.stringify({
      id,
      event: 'COLLECTED_DATA_CHANGED',
      secret: SECRET,
      timestamp: 1,
      data: { profile_id: 'p-1', old_data: oldData, new_data: data, user },
    }),
  };
}

describe('collected-data events', () => {
  it('give handlers the diff of old and new data and a diff against the app’s copy', async () => {
    const webhooks = createPassfortWebhooks({ secret: SECRET });
    const seen: CollectedDataContext[] = [];
    webhooks.on('COLLECTED_DATA_CHANGED', (_event, ctx) => void seen.push(ctx));
    await webhooks.handle(collectedDataChanged('w-1', null));
    const [ctx] = seen;
    expect(ctx?.changes).toEqual([
      {
        kind: 'changed',
        path: ['contact_details', 'email'],
        before: 'a@example.com',
        after: 'b@example.com',
      },
    ]);
    expect(ctx?.diffAgainst(newData)).toEqual([]);
    expect(ctx?.diffAgainst(oldData)).toHaveLength(1);
    expect(ctx?.isEcho).toBe(false);
  });

  it('ack echoes of our own writes without calling handlers, and count them', async () => {
    const loopGuard = createLoopGuard();
    const webhooks = createPassfortWebhooks({ secret: SECRET, loopGuard });
    let calls = 0;
    webhooks.onAny(() => void calls++);
    await loopGuard.rememberWrite('p-1', {
      entity_type: 'INDIVIDUAL',
      contact_details: { email: 'b@example.com' },
    });
    const echo = await webhooks.handle(collectedDataChanged('w-1', null));
    expect(echo.status).toBe(200);
    expect(echo.counts).toMatchObject({ processed: 0, echoes: 1 });
    expect(calls).toBe(0);
    expect((await webhooks.status()).echoes).toBe(1);
    // The same data changed by a person is never an echo.
    const person = await webhooks.handle(
      collectedDataChanged('w-2', { email: 'x@y.z', id: 'u', name: 'X' }),
    );
    expect(person.counts).toMatchObject({ processed: 1, echoes: 0 });
    expect(calls).toBe(1);
  });

  it('deliver echoes marked as such with deliverEchoes: true', async () => {
    const loopGuard = createLoopGuard();
    const webhooks = createPassfortWebhooks({ secret: SECRET, loopGuard, deliverEchoes: true });
    const echoes: boolean[] = [];
    webhooks.on('COLLECTED_DATA_CHANGED', (_event, ctx) => void echoes.push(ctx.isEcho));
    await loopGuard.rememberWrite('p-1', newData);
    await webhooks.handle(collectedDataChanged('w-1', null));
    expect(echoes).toEqual([true]);
  });
});
