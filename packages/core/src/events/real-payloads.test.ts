import { describe, expect, it } from 'vitest';
import { checkCompletedSample, productStatusChangedSample } from '../../test/passfort-samples.js';
import { bearer, SECRET, webhookId } from '../../test/webhook-fixtures.js';
import type { PassfortWebhooksOptions } from '../create-passfort-webhooks.js';
import { createPassfortWebhooks } from '../create-passfort-webhooks.js';
import type { WebhookContext } from '../delivery/webhook-handler.js';

interface Seen {
  kind: 'typed' | 'any';
  event: string;
  validated: boolean;
  data: unknown;
}

function receiver(options: Partial<PassfortWebhooksOptions> = {}) {
  const seen: Seen[] = [];
  const warnings: { fields: Record<string, unknown>; message: string }[] = [];
  const failures: { code: string; paths: readonly string[]; deadLettered: boolean }[] = [];
  const webhooks = createPassfortWebhooks({
    secret: SECRET,
    logger: { warn: (fields, message) => void warnings.push({ fields, message: message ?? '' }) },
    ...options,
  });
  const typed = (event: { event: string; data: unknown }, context: WebhookContext) => {
    seen.push({
      kind: 'typed',
      event: event.event,
      validated: context.validated,
      data: event.data,
    });
  };
  for (const name of [
    'PRODUCT_STATUS_CHANGED',
    'CHECK_COMPLETED',
    'PRODUCT_BADGE_CHANGED',
    'COLLECTED_DATA_CHANGED',
    'MANUAL_ACTION_REQUIRED',
  ] as const) {
    webhooks.on(name, typed as never);
  }
  webhooks.onAny((event, context) => {
    seen.push({ kind: 'any', event: event.event, validated: context.validated, data: event.data });
  });
  webhooks.onError(({ error, deadLettered }) => {
    failures.push({
      code: error.code,
      paths: 'paths' in error ? error.paths : [],
      deadLettered,
    });
  });
  const send = (webhook: object) =>
    webhooks.handle({ method: 'POST', headers: bearer(), body: JSON.stringify(webhook) });
  return { webhooks, seen, warnings, failures, send };
}

const typedCalls = (seen: Seen[]) => seen.filter((call) => call.kind === 'typed');

describe('payloads as Passfort sends them', () => {
  it.each([
    ['Passfort’s PRODUCT_STATUS_CHANGED sample', productStatusChangedSample()],
    ['a consumer’s CHECK_COMPLETED (check object, no apikey, no user)', checkCompletedSample()],
  ])('validates %s and hands it to its typed handler', async (_label, webhook) => {
    const r = receiver();
    const response = await r.send(webhook);
    expect(response.status).toBe(200);
    expect(typedCalls(r.seen)).toEqual([
      { kind: 'typed', event: webhook.event, validated: true, data: webhook.data },
    ]);
    expect(r.warnings).toEqual([]);
  });

  it.each([
    [
      'an unseen product status',
      { ...productStatusChangedSample(webhookId(1)).data, new_status: 'ON_HOLD' },
      'PRODUCT_STATUS_CHANGED',
    ],
    [
      'an unseen check decision and check type',
      {
        ...checkCompletedSample().data,
        check: { id: 'c-1', decision: 'INCONCLUSIVE', check_type: 'A_NEW_CHECK', result: 'Refer' },
      },
      'CHECK_COMPLETED',
    ],
    [
      'an unseen application flag',
      { profile_id: 'p-1', application_id: 'a-1', new_badge: 'AWAITING_SOMETHING_NEW' },
      'PRODUCT_BADGE_CHANGED',
    ],
    [
      'a product that is null',
      { ...productStatusChangedSample().data, product: null },
      'PRODUCT_STATUS_CHANGED',
    ],
    [
      'collected data whose old_data key is absent',
      { profile_id: 'p-1', new_data: { entity_type: 'INDIVIDUAL' }, user: null },
      'COLLECTED_DATA_CHANGED',
    ],
    [
      'manual actions with an unseen task state',
      {
        profile_id: 'p-1',
        customer_ref: null,
        actions: [
          {
            action_type: 'COMPLETE_TASK',
            due: '2026-12-01',
            applications: [{ id: 'a-1', status: 'IN_REVIEW', product: { name: 'KYC' } }],
            task: { id: 't-1', state: 'ESCALATED', type: 'VERIFY_IDENTITY', variant: null },
          },
        ],
      },
      'MANUAL_ACTION_REQUIRED',
    ],
  ])('delivers %s to its typed handler, validated', async (_label, data, event) => {
    const r = receiver();
    const response = await r.send({ id: webhookId(7), event, secret: SECRET, timestamp: 1, data });
    expect(response.status).toBe(200);
    expect(typedCalls(r.seen)).toEqual([{ kind: 'typed', event, validated: true, data }]);
    expect(r.failures).toEqual([]);
    expect((await r.webhooks.status()).schemaMismatches).toBe(0);
  });
});

describe('a payload whose typed access would lie', () => {
  const wrongType = { ...productStatusChangedSample(webhookId(3)), data: { new_status: 42 } };
  const noCheck = {
    ...checkCompletedSample(webhookId(4)),
    data: { profile_id: 'p', check_id: 'c' },
  };

  it('is set aside as a dead letter by default, never silently: warned, counted, heard with its paths', async () => {
    const r = receiver();
    const first = await r.send(wrongType);
    const second = await r.send(noCheck);
    expect([first.status, second.status]).toEqual([200, 200]);
    expect(first.counts).toMatchObject({ deadLettered: 1, processed: 0 });
    expect(typedCalls(r.seen)).toEqual([]);
    expect(r.failures).toEqual([
      {
        code: 'INVALID_ENVELOPE',
        paths: expect.arrayContaining(['data.new_status', 'data.application_id']),
        deadLettered: true,
      },
      { code: 'INVALID_ENVELOPE', paths: ['data.check'], deadLettered: true },
    ]);
    expect(
      r.warnings.filter((w) => w.message === 'webhook payload does not match its schema'),
    ).toEqual([
      {
        message: 'webhook payload does not match its schema',
        fields: expect.objectContaining({
          id: webhookId(3),
          event: 'PRODUCT_STATUS_CHANGED',
          paths: expect.arrayContaining(['data.new_status']),
          policy: 'dead-letter',
        }),
      },
      {
        message: 'webhook payload does not match its schema',
        fields: expect.objectContaining({ id: webhookId(4), paths: ['data.check'] }),
      },
    ]);
    const status = await r.webhooks.status();
    expect(status.schemaMismatches).toBe(2);
    expect(status.deadLetters).toBe(2);
    expect((await r.webhooks.deadLetters.list()).map((letter) => letter.reason)).toEqual([
      'schema-mismatch',
      'schema-mismatch',
    ]);
  });

  it("reaches onAny unvalidated with onSchemaMismatch: 'deliver', still warned and counted", async () => {
    const r = receiver({ onSchemaMismatch: 'deliver' });
    expect((await r.send(wrongType)).status).toBe(200);
    expect(r.seen).toEqual([
      { kind: 'any', event: 'PRODUCT_STATUS_CHANGED', validated: false, data: wrongType.data },
    ]);
    expect(r.failures).toMatchObject([{ code: 'INVALID_ENVELOPE', deadLettered: false }]);
    expect(r.warnings).toMatchObject([{ fields: { policy: 'deliver' } }]);
    expect((await r.webhooks.status()).schemaMismatches).toBe(1);
  });
});
