import { createPassfortWebhooks } from '@passfort-webhooks/core';
import { type ConformanceCase, expectEqual, expectMatch, expectTrue } from '../conformance-case.js';
import {
  KIT_SECRET,
  kitBatch,
  kitHeaders,
  kitLargeBatch,
  kitReceiverLogging,
  kitWebhook,
  kitWebhookId,
} from '../kit-webhooks.js';
import { type AdapterTarget, caseOn, recordingReceiver, send } from './adapter-target.js';

const counts = (received: number, processed: number, duplicates = 0, deadLettered = 0) => ({
  received,
  processed,
  duplicates,
  deadLettered,
  echoes: 0,
});

/** Cases of what reaches handlers, in which order, how often, and what is answered. */
export function deliveryCases(target: AdapterTarget): ConformanceCase[] {
  const c = caseOn(target);
  return [
    c(
      'accepts a single webhook and hands the typed event to its handler, without the secret',
      () => recordingReceiver(),
      async ({ request, path }, r) => {
        const res = await request(path, send(kitWebhook(kitWebhookId(1))));
        expectEqual(res.status, 200, 'status');
        // The counts travel in a header; the 200 carries no body.
        expectEqual(res.text, '', 'the 200 has no body');
        expectEqual(res.counts, counts(1, 1), 'counts header');
        expectEqual(r.specific().length, 1, 'specific handler calls');
        expectMatch(
          r.specific()[0],
          {
            id: kitWebhookId(1),
            hasSecret: false,
            context: { index: 0, batchSize: 1, attempt: 1, validated: true },
          },
          'what the handler saw',
        );
      },
    ),
    c(
      'dispatches a batch of 100 in Passfort order, specific handler before onAny',
      () => recordingReceiver(),
      async ({ request, path }, r) => {
        const res = await request(path, send(kitBatch(100)));
        expectEqual(res.status, 200, 'status');
        expectEqual(res.counts, counts(100, 100), 'counts header');
        expectEqual(
          r.calls.map((call) => `${call.kind}:${call.id}`),
          kitBatch(100).flatMap((e) => [`specific:${e.id}`, `any:${e.id}`]),
          'handler order',
        );
        expectEqual(
          r.specific().map((call) => call.context.index),
          [...Array(100).keys()],
          'batch positions',
        );
      },
    ),
    c(
      'receives a 5 MB batch of 100 webhooks whole, as Passfort sends collected-data batches',
      () => recordingReceiver(),
      async ({ request, path }, r) => {
        const body = JSON.stringify(kitLargeBatch());
        expectTrue(body.length > 5_000_000, 'the batch is over 5 MB');
        const res = await request(path, { body, headers: kitHeaders() });
        expectEqual(res.status, 200, 'status (a 413 here would make Passfort retry for ever)');
        expectEqual(res.counts, counts(100, 100), 'counts header');
        expectEqual(r.specific().length, 100, 'every webhook reached its handler');
      },
    ),
    c(
      'passes other paths on to the app',
      () => recordingReceiver(),
      async ({ request }) => {
        const res = await request('/health', { method: 'GET' });
        expectEqual(res.status, 200, 'GET /health status');
        expectEqual(res.text, 'ok', 'GET /health body');
      },
    ),
    c(
      'delivers an unknown event to onAny, unvalidated, never refusing it',
      () => recordingReceiver(),
      async ({ request, path }, r) => {
        const future = { ...kitWebhook(kitWebhookId(9)), event: 'SOMETHING_NEW', data: { x: 1 } };
        const res = await request(path, send([future]));
        expectEqual(res.status, 200, 'status');
        expectMatch(
          r.calls,
          [{ event: 'SOMETHING_NEW', kind: 'any', context: { validated: false } }],
          'handler calls',
        );
      },
    ),
    c(
      'sets a known event whose payload misses its schema aside as a dead letter, and acks it',
      () => recordingReceiver(),
      async ({ request, path }, r) => {
        const odd = kitWebhook(kitWebhookId(3));
        odd.data['new_status'] = 42;
        const res = await request(path, send([odd, kitWebhook(kitWebhookId(4))]));
        expectEqual(res.status, 200, 'status');
        expectEqual(res.counts, counts(2, 1, 0, 1), 'counts header');
        expectEqual(
          r.calls.map((call) => `${call.kind}:${call.id}`),
          [`specific:${kitWebhookId(4)}`, `any:${kitWebhookId(4)}`],
          'handler calls',
        );
        expectEqual(r.errors, ['INVALID_ENVELOPE'], 'onError codes');
        const letters = await r.webhooks.deadLetters.list();
        expectMatch(letters, [{ id: kitWebhookId(3), reason: 'schema-mismatch' }], 'dead letters');
        expectTrue(!JSON.stringify(letters).includes(KIT_SECRET), 'no secret in dead letters');
      },
    ),
    c(
      "delivers such an event to onAny only with onSchemaMismatch: 'deliver'",
      () => recordingReceiver({ onSchemaMismatch: 'deliver' }),
      async ({ request, path }, r) => {
        const odd = kitWebhook(kitWebhookId(3));
        odd.data['new_status'] = 42;
        const res = await request(path, send([odd]));
        expectEqual(res.status, 200, 'status');
        expectEqual(
          r.calls.map((call) => call.kind),
          ['any'],
          'handler calls',
        );
        expectEqual(r.errors, ['INVALID_ENVELOPE'], 'onError codes');
      },
    ),
    c(
      'stops a batch at a failing handler with 500, and the redelivery runs only the rest',
      () => failingAtFive(),
      async ({ request, path }, f) => {
        const first = await request(path, send(kitBatch(10)));
        expectEqual(first.status, 500, 'first status');
        expectMatch(
          first.json,
          { error: { code: 'HANDLER_FAILED', index: 5 }, processed: 5 },
          'first body',
        );
        expectMatch(first.counts, { received: 10, processed: 5 }, 'first counts');
        expectTrue(!first.text.includes('database down'), "the handler's error stays private");
        expectEqual(f.failures, [5], 'onError heard index 5');
        // Passfort redelivers the same batch with newer webhooks appended.
        const second = await request(path, send(kitBatch(12)));
        expectEqual(second.status, 200, 'redelivery status');
        expectEqual(second.counts, counts(12, 7, 5), 'redelivery counts');
        expectEqual(
          f.effects,
          kitBatch(12).map((e) => e.id),
          'each effect once, in order',
        );
        expectEqual(f.attempts.get(kitWebhookId(5)), 2, 'attempts of the failing webhook');
        expectEqual(f.attempts.get(kitWebhookId(6)), 1, 'attempts of the next one');
      },
    ),
    c(
      'skips a webhook id repeated inside one batch',
      () => recordingReceiver(),
      async ({ request, path }, r) => {
        const res = await request(path, send([...kitBatch(3), kitWebhook(kitWebhookId(1))]));
        expectEqual(res.counts, counts(4, 3, 1), 'counts header');
        expectEqual(r.specific().length, 3, 'specific handler calls');
      },
    ),
    c(
      'accepts a slow chunked body',
      () => recordingReceiver(),
      async ({ request, path }, r) => {
        const res = await request(path, { ...send(kitBatch(20)), chunks: 40 });
        expectEqual(res.status, 200, 'status');
        expectEqual(r.specific().length, 20, 'specific handler calls');
      },
    ),
    c(
      'answers an empty array with 200 and dispatches nothing',
      () => recordingReceiver(),
      async ({ request, path }, r) => {
        const res = await request(path, send([]));
        expectEqual(res.status, 200, 'status');
        expectEqual(res.counts, counts(0, 0), 'counts header');
        expectEqual(r.calls.length, 0, 'handler calls');
      },
    ),
  ];
}

/** A receiver whose handler fails the first time it sees webhook 5. */
function failingAtFive() {
  const attempts = new Map<string, number>();
  const effects: string[] = [];
  const failures: number[] = [];
  const webhooks = createPassfortWebhooks({ secret: KIT_SECRET, ...kitReceiverLogging() });
  webhooks.onError(({ context }) => {
    if (context !== undefined) failures.push(context.index);
  });
  webhooks.on('PRODUCT_STATUS_CHANGED', (event) => {
    const n = (attempts.get(event.id) ?? 0) + 1;
    attempts.set(event.id, n);
    if (event.id === kitWebhookId(5) && n === 1) throw new Error('database down');
    effects.push(event.id);
  });
  return { webhooks, attempts, effects, failures };
}
