import { type ConformanceCase, expectEqual, expectMatch, expectTrue } from '../conformance-case.js';
import { KIT_SECRET, kitBatch, kitHeaders, kitWebhook, kitWebhookId } from '../kit-webhooks.js';
import {
  type AdapterTarget,
  caseOn,
  expectRefused,
  recordingReceiver,
  send,
} from './adapter-target.js';

/** Cases of malformed, oversized and hostile requests: each a clear 4xx that runs nothing. */
export function payloadCases(target: AdapterTarget): ConformanceCase[] {
  const c = caseOn(target);
  const refuses = (name: string, status: number, body: string | Uint8Array, code?: string) =>
    c(
      name,
      () => recordingReceiver(),
      async ({ request, path }, r) => {
        expectRefused(
          target,
          r,
          await request(path, { body, headers: kitHeaders() }),
          status,
          code,
        );
      },
    );
  const envelope = JSON.stringify(kitWebhook(kitWebhookId(1)));
  const cases: ConformanceCase[] = [
    c(
      'answers 405 with Allow: POST to other methods',
      () => recordingReceiver(),
      async ({ request, path }, r) => {
        const res = await request(path, { method: 'GET' });
        expectEqual(res.status, 405, 'status');
        expectEqual(res.headers['allow'], 'POST', 'Allow header');
        expectEqual(r.calls.length, 0, 'no handler ran');
      },
    ),
    ...[
      ['application/x-www-form-urlencoded', 'a=1&b=2'],
      [
        'multipart/form-data; boundary=x',
        '--x\r\ncontent-disposition: form-data; name="a"\r\n\r\n1\r\n--x--',
      ],
    ].map(([contentType, body]) =>
      c(
        `refuses a ${contentType} body with 415`,
        () => recordingReceiver(),
        async ({ request, path }, r) => {
          const res = await request(path, {
            body: body!,
            headers: { authorization: `Bearer ${KIT_SECRET}`, 'content-type': contentType! },
          });
          expectEqual(res.status, 415, 'status');
          expectEqual(r.calls.length, 0, 'no handler ran');
        },
      ),
    ),
    c(
      'parses a body sent with a missing or odd content type',
      () => recordingReceiver(),
      async ({ request, path }, r) => {
        const res = await request(path, {
          body: JSON.stringify(kitBatch(2)),
          headers: { authorization: `Bearer ${KIT_SECRET}` },
        });
        expectEqual(res.status, 200, 'status');
        expectEqual(r.specific().length, 2, 'specific handler calls');
      },
    ),
    c(
      'refuses a body over maxBodyBytes by its Content-Length with 413',
      () => recordingReceiver({ maxBodyBytes: 4096 }),
      async ({ request, path }, r) => {
        const res = await request(path, send(kitBatch(40)));
        expectEqual(res.status, 413, 'status');
        expectEqual(r.calls.length, 0, 'no handler ran');
      },
    ),
    refuses(
      'refuses malformed JSON with 400 without echoing the body',
      400,
      `[{"id":"1","secret":"${KIT_SECRET}",`,
    ),
    ...[
      ['a JSON number', '42'],
      ['a JSON string', '"hello"'],
      ['null', 'null'],
      ['an array of numbers', '[1,2,3]'],
      ['an empty body', ''],
    ].map(([label, body]) => refuses(`refuses ${label} with 400`, 400, body!)),
    ...['id', 'event', 'data', 'timestamp'].map((field) =>
      c(
        `refuses a batch whose item 2 has no ${field} with 400 naming the index`,
        () => recordingReceiver(),
        async ({ request, path }, r) => {
          const payload = kitBatch(4) as unknown as Record<string, unknown>[];
          delete payload[2]![field];
          const res = await request(path, send(payload));
          expectEqual(res.status, 400, 'status');
          expectMatch(res.json, { error: { code: 'INVALID_ENVELOPE', index: 2 } }, 'error');
          const { message } = (res.json as { error: { message: string } }).error;
          expectTrue(message.includes(field), `the message names ${field}`);
          expectEqual(r.calls.length, 0, 'no handler ran');
        },
      ),
    ),
    refuses(
      'refuses an id of the wrong type with 400',
      400,
      JSON.stringify([{ ...kitWebhook('x'), id: 12 }]),
    ),
    c(
      'refuses prototype-polluting keys in data with 400 and pollutes nothing',
      () => recordingReceiver(),
      async ({ request, path }, r) => {
        for (const poison of [
          '{"__proto__":{"polluted":true}}',
          '{"constructor":{"prototype":{"polluted":true}}}',
        ]) {
          const body = envelope.replace('"data":{', `"data":{"x":${poison},`);
          expectEqual((await request(path, { body, headers: kitHeaders() })).status, 400, poison);
        }
        expectEqual(({} as Record<string, unknown>)['polluted'], undefined, 'Object.prototype');
        expectEqual(r.calls.length, 0, 'no handler ran');
      },
    ),
    c(
      'refuses __proto__ and constructor.prototype keys at the envelope level and inside arrays',
      () => recordingReceiver(),
      async ({ request, path }, r) => {
        for (const body of [
          `[${envelope.replace('{', '{"__proto__":{"polluted":1},')}]`,
          `[${envelope}, {"constructor":{"prototype":{"polluted":1}}}]`,
          envelope.replace('"data":{', '"data":{"list":[{"deep":[{"__proto__":{"polluted":1}}]}],'),
        ]) {
          expectRefused(target, r, await request(path, { body, headers: kitHeaders() }), 400);
        }
        expectTrue(!('polluted' in Object.prototype), 'Object.prototype is clean');
      },
    ),
    c(
      'refuses a batch of 101 webhooks with 413 (Passfort sends at most 100)',
      () => recordingReceiver(),
      async ({ request, path }, r) => {
        const res = await request(path, send(kitBatch(101)));
        expectEqual(res.status, 413, 'status');
        expectMatch(res.json, { error: { code: 'BATCH_TOO_LARGE' } }, 'error');
        expectEqual(r.calls.length, 0, 'no handler ran');
      },
    ),
    c(
      'refuses invalid UTF-8 with 400',
      () => recordingReceiver(),
      async ({ request, path }, r) => {
        const body = Buffer.concat([
          Buffer.from('[{"id":"'),
          Buffer.from([0xc3, 0x28, 0xff]),
          Buffer.from('"}]'),
        ]);
        const res = await request(path, { body, headers: kitHeaders() });
        // A text-decoding body parser in front turns the bytes into U+FFFD first; the
        // envelope is then refused for its missing secret instead.
        expectRefused(target, r, res, target.parsesBody === true && res.status === 401 ? 401 : 400);
      },
    ),
    c(
      'refuses huge id and event strings with 400',
      () => recordingReceiver(),
      async ({ request, path }, r) => {
        for (const field of ['id', 'event'] as const) {
          const huge = { ...kitWebhook(kitWebhookId(1)), [field]: 'x'.repeat(1_000_000) };
          expectRefused(target, r, await request(path, send([huge])), 400, 'INVALID_ENVELOPE');
        }
      },
    ),
    c(
      'refuses JSON nested 50,000 levels deep with 400, without a stack overflow',
      () => recordingReceiver(),
      async ({ request, path }, r) => {
        const body = `${'['.repeat(50_000)}${']'.repeat(50_000)}`;
        expectRefused(target, r, await request(path, { body, headers: kitHeaders() }), 400);
        const after = await request(path, send(kitBatch(1)));
        expectEqual(after.status, 200, 'still serving');
      },
    ),
  ];
  // With a body parser in front, the parser reads the body and its own limit applies.
  if (target.parsesBody !== true) {
    cases.push(
      c(
        'refuses a chunked body over maxBodyBytes with 413 while reading it',
        () => recordingReceiver({ maxBodyBytes: 4096 }),
        async ({ request, path }, r) => {
          const res = await request(path, { ...send(kitBatch(100)), chunks: 20 });
          expectEqual(res.status, 413, 'status');
          expectMatch(res.json, { error: { code: 'PAYLOAD_TOO_LARGE' } }, 'error');
          expectEqual(r.calls.length, 0, 'no handler ran');
        },
      ),
    );
  }
  return cases;
}
