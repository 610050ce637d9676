import { type ConformanceCase, expectEqual, expectTrue } from '../conformance-case.js';
import {
  KIT_OTHER_SECRET,
  KIT_SECRET,
  kitBatch,
  kitHeaders,
  kitWebhook,
  kitWebhookId,
} from '../kit-webhooks.js';
import {
  type AdapterTarget,
  caseOn,
  expectRefused,
  recordingReceiver,
  send,
} from './adapter-target.js';

/** Cases of who may deliver: the Bearer header, the body secrets, rotation, the IP allow list. */
export function authenticationCases(target: AdapterTarget): ConformanceCase[] {
  const c = caseOn(target);
  const wrongAuthorization = [
    ['another scheme', 'Basic d2hvOmFtaQ=='],
    ['Bearer without a token', 'Bearer '],
    ['a prefix of the secret', `Bearer ${KIT_SECRET.slice(0, -1)}`],
    ['the secret plus a byte', `Bearer ${KIT_SECRET}0`],
  ] as const;
  return [
    c(
      'accepts body secrets alone when no Authorization header is sent',
      () => recordingReceiver(),
      async ({ request, path }, r) => {
        const res = await request(path, send(kitBatch(3), { 'content-type': 'application/json' }));
        expectEqual(res.status, 200, 'status');
        expectEqual(r.specific().length, 3, 'specific handler calls');
      },
    ),
    c(
      'refuses a wrong Bearer secret with 401 even when the body secrets are right',
      () => recordingReceiver(),
      async ({ request, path }, r) => {
        const res = await request(path, send(kitBatch(10), kitHeaders('not-the-secret')));
        expectEqual(res.status, 401, 'status');
        expectEqual(r.calls.length, 0, 'no handler ran');
        expectTrue(!res.text.includes(KIT_SECRET), 'no secret in the answer');
      },
    ),
    c(
      'refuses the whole batch when item 57 of 100 carries a wrong secret, dispatching nothing',
      () => recordingReceiver(),
      async ({ request, path }, r) => {
        const payload = kitBatch(100);
        payload[57] = kitWebhook(kitWebhookId(57), `${KIT_SECRET}x`);
        const res = await request(path, send(payload));
        expectEqual(res.status, 401, 'status');
        expectEqual(r.calls.length, 0, 'no handler ran');
        // Nothing was remembered either: the corrected batch is processed whole.
        const retry = await request(path, send(kitBatch(100)));
        expectEqual(
          retry.counts,
          { received: 100, processed: 100, duplicates: 0, deadLettered: 0, echoes: 0 },
          'the corrected batch is processed whole',
        );
      },
    ),
    c(
      'refuses an envelope without its secret field',
      () => recordingReceiver(),
      async ({ request, path }, r) => {
        const { secret: _, ...unsigned } = kitWebhook(kitWebhookId(1));
        const res = await request(path, send([kitWebhook(kitWebhookId(0)), unsigned]));
        expectEqual(res.status, 401, 'status');
        expectEqual(r.calls.length, 0, 'no handler ran');
      },
    ),
    ...wrongAuthorization.map(([label, authorization]) =>
      c(
        `refuses an Authorization header with ${label} (401)`,
        () => recordingReceiver(),
        async ({ request, path }, r) => {
          const res = await request(
            path,
            send(kitBatch(2), { authorization, 'content-type': 'application/json' }),
          );
          expectEqual(res.status, 401, 'status');
          expectEqual(r.calls.length, 0, 'no handler ran');
        },
      ),
    ),
    c(
      'accepts every configured secret while rotating, even mixed within a batch',
      () => recordingReceiver({ secret: [KIT_OTHER_SECRET, KIT_SECRET] }),
      async ({ request, path }, r) => {
        const oldOnes = await request(path, send(kitBatch(2, 0), kitHeaders(KIT_SECRET)));
        const newOnes = await request(
          path,
          send(kitBatch(2, 2, KIT_OTHER_SECRET), kitHeaders(KIT_OTHER_SECRET)),
        );
        const mixed = [...kitBatch(1, 4), ...kitBatch(1, 5, KIT_OTHER_SECRET)];
        const mixedRes = await request(path, send(mixed, kitHeaders(KIT_OTHER_SECRET)));
        expectEqual([oldOnes.status, newOnes.status, mixedRes.status], [200, 200, 200], 'statuses');
        expectEqual(r.specific().length, 6, 'specific handler calls');
        const stranger = await request(path, send(kitBatch(1, 6, 'third'), kitHeaders('third')));
        expectEqual(stranger.status, 401, 'an unknown secret');
      },
    ),
    c(
      'refuses repeated Authorization headers, even when both carry the secret',
      () => recordingReceiver(),
      async ({ request, path }, r) => {
        const res = await request(path, {
          body: JSON.stringify(kitBatch(1)),
          headers: {
            authorization: [`Bearer ${KIT_SECRET}`, `Bearer ${KIT_SECRET}`],
            'content-type': 'application/json',
          },
        });
        expectRefused(target, r, res, 401, 'UNAUTHORIZED');
      },
    ),
    c(
      'accepts the Bearer scheme in any case',
      () => recordingReceiver(),
      async ({ request, path }) => {
        const res = await request(
          path,
          send(kitBatch(1), {
            authorization: `bEaReR ${KIT_SECRET}`,
            'content-type': 'application/json',
          }),
        );
        expectEqual(res.status, 200, 'status');
      },
    ),
    c(
      'refuses a peer outside allowIps with 403',
      () => recordingReceiver({ allowIps: ['10.0.0.0/8'] }),
      async ({ request, path }, r) => {
        expectRefused(target, r, await request(path, send(kitBatch(2))), 403, 'FORBIDDEN_IP');
      },
    ),
    ...[['127.0.0.1'], ['::ffff:127.0.0.0/104']].map((allowIps) =>
      c(
        `accepts a listed peer, written as ${allowIps[0]}`,
        () => recordingReceiver({ allowIps }),
        async ({ request, path }) => {
          expectEqual((await request(path, send(kitBatch(1)))).status, 200, 'status');
        },
      ),
    ),
    c(
      'ignores a spoofed X-Forwarded-For from an untrusted peer',
      () => recordingReceiver({ allowIps: 'passfort' }),
      async ({ request, path }, r) => {
        const res = await request(
          path,
          send(kitBatch(1), { ...kitHeaders(), 'x-forwarded-for': '35.195.138.186' }),
        );
        expectRefused(target, r, res, 403, 'FORBIDDEN_IP');
      },
    ),
    c(
      'believes X-Forwarded-For from a trusted proxy',
      () => recordingReceiver({ allowIps: 'passfort', trustProxy: ['127.0.0.1'] }),
      async ({ request, path }, r) => {
        const res = await request(
          path,
          send(kitBatch(1), { ...kitHeaders(), 'x-forwarded-for': '35.195.138.186' }),
        );
        expectEqual(res.status, 200, 'status');
        expectEqual(r.specific().length, 1, 'specific handler calls');
      },
    ),
  ];
}
