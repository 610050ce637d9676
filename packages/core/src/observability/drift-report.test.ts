import { describe, expect, it } from 'vitest';
import { bearer, productStatusChanged, SECRET, webhookId } from '../../test/webhook-fixtures.js';
import { createPassfortWebhooks } from '../create-passfort-webhooks.js';
import { DriftTracker } from './drift-report.js';

function tracker(maxEntries = 3) {
  const warnings: unknown[] = [];
  const heard: unknown[] = [];
  const drift = new DriftTracker(
    maxEntries,
    { warn: (fields, message) => warnings.push({ fields, message }) },
    (observation) => heard.push(observation),
  );
  return { drift, warnings, heard };
}

const status = {
  event: 'PRODUCT_STATUS_CHANGED',
  kind: 'unknown-enum-value',
  path: 'data.new_status',
  value: 'ON_HOLD',
} as const;

describe('DriftTracker', () => {
  it('counts each entry with its first and last sighting, and warns once per new entry', () => {
    const { drift, warnings, heard } = tracker();
    drift.record(status, 1_000);
    drift.record(status, 5_000);
    drift.record({ event: 'X', kind: 'unknown-event' }, 6_000);
    const report = drift.report();
    expect(report.more).toBe(0);
    expect(report.entries).toEqual([
      {
        event: 'X',
        kind: 'unknown-event',
        count: 1,
        firstSeen: new Date(6_000),
        lastSeen: new Date(6_000),
      },
      { ...status, count: 2, firstSeen: new Date(1_000), lastSeen: new Date(5_000) },
    ]);
    expect(warnings).toHaveLength(2);
    expect(heard).toEqual([status, status, { event: 'X', kind: 'unknown-event' }]);
  });

  it('keeps at most maxEntries and counts distinct ones past the cap as more', () => {
    const { drift, warnings } = tracker(2);
    for (let i = 0; i < 5; i++) {
      drift.record({ event: 'E', kind: 'unknown-key', path: `data.k${i}` });
      drift.record({ event: 'E', kind: 'unknown-key', path: `data.k${i}` });
    }
    const report = drift.report();
    expect(report.entries.map((entry) => entry.path).sort()).toEqual(['data.k0', 'data.k1']);
    expect(report.more).toBe(3);
    // Entries already kept still count.
    expect(report.entries.every((entry) => entry.count === 2)).toBe(true);
    expect(warnings).toHaveLength(2);
  });

  it('keeps memory bounded under a flood of distinct keys', () => {
    const { drift } = tracker(10);
    for (let i = 0; i < 50_000; i++)
      drift.record({ event: 'E', kind: 'unknown-key', path: `p${i}` });
    const report = drift.report();
    expect(report.entries).toHaveLength(10);
    // Distinct past the cap are counted exactly while the overflow set has room, then each
    // arrival is counted: the figure only ever grows.
    expect(report.more).toBeGreaterThanOrEqual(49_990);
  });
});

describe('a receiver reports drift', () => {
  it('counts what Passfort sent that it does not know, once per new entry in the log, and acks it all', async () => {
    const warnings: unknown[] = [];
    const webhooks = createPassfortWebhooks({
      secret: SECRET,
      logger: { warn: (fields) => warnings.push(fields) },
    });
    const handled: string[] = [];
    webhooks.on('PRODUCT_STATUS_CHANGED', (event) => void handled.push(event.data.new_status));
    const first = productStatusChanged(webhookId(1));
    const second = productStatusChanged(webhookId(2));
    for (const webhook of [first, second]) {
      Object.assign(webhook.data, { new_status: 'ON_HOLD', application_note: 'private words' });
    }
    const unknown = { ...productStatusChanged(webhookId(3)), event: 'PROFILE_MERGED' };
    const response = await webhooks.handle({
      method: 'POST',
      headers: bearer(),
      body: JSON.stringify([first, second, unknown]),
    });
    expect(response.status).toBe(200);
    expect(handled).toEqual(['ON_HOLD', 'ON_HOLD']);
    const { drift } = await webhooks.status();
    expect(
      drift.entries.map(({ event, kind, path, value, count }) => ({
        event,
        kind,
        path,
        value,
        count,
      })),
    ).toEqual(
      expect.arrayContaining([
        {
          event: 'PRODUCT_STATUS_CHANGED',
          kind: 'unknown-enum-value',
          path: 'data.new_status',
          value: 'ON_HOLD',
          count: 2,
        },
        {
          event: 'PRODUCT_STATUS_CHANGED',
          kind: 'unknown-key',
          path: 'data.application_note',
          value: undefined,
          count: 2,
        },
        {
          event: 'PROFILE_MERGED',
          kind: 'unknown-event',
          path: undefined,
          value: undefined,
          count: 1,
        },
      ]),
    );
    expect(drift.entries).toHaveLength(3);
    expect(warnings).toHaveLength(3);
    expect(JSON.stringify({ drift, warnings })).not.toContain('private words');
    await webhooks.close();
  });

  it('is off with drift: false, and refuses a bad cap', async () => {
    const webhooks = createPassfortWebhooks({ secret: SECRET, drift: false });
    const webhook = productStatusChanged(webhookId(4));
    Object.assign(webhook.data, { new_status: 'ON_HOLD' });
    await webhooks.handle({ method: 'POST', headers: bearer(), body: JSON.stringify(webhook) });
    expect((await webhooks.status()).drift).toEqual({ entries: [], more: 0 });
    await webhooks.close();
    expect(() => createPassfortWebhooks({ secret: SECRET, drift: { maxEntries: 0 } })).toThrow(
      /drift.maxEntries must be a positive integer/,
    );
  });

  it('does not count what a refused request carried', async () => {
    const webhooks = createPassfortWebhooks({ secret: SECRET });
    const forged = { ...productStatusChanged(webhookId(5)), event: 'FORGED_EVENT' };
    const response = await webhooks.handle({
      method: 'POST',
      headers: { ...bearer(), authorization: 'Bearer wrong-secret-value' },
      body: JSON.stringify(forged),
    });
    expect(response.status).toBe(401);
    expect((await webhooks.status()).drift.entries).toEqual([]);
    await webhooks.close();
  });
});
