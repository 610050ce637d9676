/**
 * One case table, run by every adapter's tests against each framework version and body
 * parser set-up over real HTTP. A variant starts an app that mounts the receiver at
 * WEBHOOK_PATH and answers GET /health with 200 "ok" (to prove other paths pass through).
 */
import {
  type AnyPassfortEvent,
  createPassfortWebhooks,
  type DedupeStore,
  memoryStore,
  type PassfortWebhooks,
  type PassfortWebhooksOptions,
  type WebhookContext,
} from '@passfort-webhooks/core';
import { afterEach, describe, expect, it } from 'vitest';
import { type HttpRequestOptions, type HttpResult, httpRequest } from './http-request.js';
import {
  batch,
  bearer,
  OTHER_SECRET,
  productStatusChanged,
  SECRET,
  webhookId,
} from './webhook-fixtures.js';

export const WEBHOOK_PATH = '/webhooks/passfort';

export interface RunningServer {
  url: string;
  close(): Promise<void>;
}

export interface AdapterVariant {
  name: string;
  /** True when a body parser mounted before the adapter hands it an already-read body. */
  parsesBody: boolean;
  start(webhooks: PassfortWebhooks): Promise<RunningServer>;
}

interface Call {
  id: string;
  event: string;
  kind: 'specific' | 'any';
  context: WebhookContext;
  hasSecret: boolean;
}

/** A memory store that counts what reached it, to prove refused requests touch nothing. */
function countingStore(): { store: DedupeStore; touched: () => number } {
  const inner = memoryStore();
  let touched = 0;
  const count =
    <A extends unknown[], R>(call: (...args: A) => R) =>
    (...args: A): R => {
      touched++;
      return call(...args);
    };
  return {
    touched: () => touched,
    store: {
      ...inner,
      claim: count(inner.claim),
      complete: count(inner.complete),
      addDeadLetter: count(inner.addDeadLetter),
    },
  };
}

function recordingReceiver(options: Partial<PassfortWebhooksOptions> = {}) {
  const calls: Call[] = [];
  const errors: string[] = [];
  const { store, touched } = countingStore();
  const record = (kind: Call['kind']) => (event: AnyPassfortEvent, context: WebhookContext) => {
    calls.push({ id: event.id, event: event.event, kind, context, hasSecret: 'secret' in event });
  };
  const webhooks = createPassfortWebhooks({ secret: SECRET, store, ...options });
  webhooks.on('PRODUCT_STATUS_CHANGED', record('specific'));
  webhooks.onAny(record('any'));
  webhooks.onError(({ error }) => {
    errors.push(error.code);
  });
  const specific = () => calls.filter((call) => call.kind === 'specific');
  return { webhooks, calls, errors, specific, touched };
}

export function describeAdapterCases(variant: AdapterVariant): void {
  describe(`${variant.name}`, () => {
    let server: RunningServer | undefined;
    afterEach(async () => {
      await server?.close();
      server = undefined;
    });

    async function start(webhooks: PassfortWebhooks) {
      server = await variant.start(webhooks);
      return (path = WEBHOOK_PATH, options: HttpRequestOptions = {}): Promise<HttpResult> =>
        httpRequest(`${server!.url}${path}`, options);
    }

    function send(payload: unknown, headers: Record<string, string> = bearer()) {
      return { body: JSON.stringify(payload), headers };
    }

    it('accepts a single webhook and hands the typed event to its handler, without the secret', async () => {
      const r = recordingReceiver();
      const request = await start(r.webhooks);
      const res = await request(WEBHOOK_PATH, send(productStatusChanged(webhookId(1))));
      expect(res.status).toBe(200);
      // The counts travel in a header; the 200 carries no body.
      expect(res.text).toBe('');
      expect(res.counts).toEqual({
        received: 1,
        processed: 1,
        duplicates: 0,
        deadLettered: 0,
        echoes: 0,
      });
      expect(r.specific()).toHaveLength(1);
      expect(r.specific()[0]).toMatchObject({
        id: webhookId(1),
        hasSecret: false,
        context: { index: 0, batchSize: 1, attempt: 1, validated: true },
      });
      expect(res.text).not.toContain(SECRET);
    });

    it('dispatches a batch of 100 in Passfort order, specific handler before onAny', async () => {
      const r = recordingReceiver();
      const request = await start(r.webhooks);
      const res = await request(WEBHOOK_PATH, send(batch(100)));
      expect(res.status).toBe(200);
      expect(res.counts).toEqual({
        received: 100,
        processed: 100,
        duplicates: 0,
        deadLettered: 0,
        echoes: 0,
      });
      expect(r.calls.map((call) => `${call.kind}:${call.id}`)).toEqual(
        batch(100).flatMap((e) => [`specific:${e.id}`, `any:${e.id}`]),
      );
      expect(r.specific().map((call) => call.context.index)).toEqual([...Array(100).keys()]);
    });

    it('accepts body secrets alone when no Authorization header is sent', async () => {
      const r = recordingReceiver();
      const request = await start(r.webhooks);
      const res = await request(
        WEBHOOK_PATH,
        send(batch(3), { 'content-type': 'application/json' }),
      );
      expect(res.status).toBe(200);
      expect(r.specific()).toHaveLength(3);
    });

    it('refuses a wrong Bearer secret with 401 even when the body secrets are right', async () => {
      const r = recordingReceiver();
      const request = await start(r.webhooks);
      const res = await request(WEBHOOK_PATH, send(batch(10), bearer('not-the-secret')));
      expect(res.status).toBe(401);
      expect(r.calls).toHaveLength(0);
      expect(res.text).not.toContain(SECRET);
    });

    it('refuses the whole batch when item 57 of 100 carries a wrong secret, dispatching nothing', async () => {
      const r = recordingReceiver();
      const request = await start(r.webhooks);
      const payload = batch(100);
      payload[57] = productStatusChanged(webhookId(57), `${SECRET}x`);
      const res = await request(WEBHOOK_PATH, send(payload));
      expect(res.status).toBe(401);
      expect(r.calls).toHaveLength(0);
      // Nothing was remembered either: the corrected batch is processed whole.
      const retry = await request(WEBHOOK_PATH, send(batch(100)));
      expect(retry.counts).toEqual({
        received: 100,
        processed: 100,
        duplicates: 0,
        deadLettered: 0,
        echoes: 0,
      });
    });

    it('refuses an envelope without its secret field', async () => {
      const r = recordingReceiver();
      const request = await start(r.webhooks);
      const { secret: _, ...unsigned } = productStatusChanged(webhookId(1));
      const res = await request(WEBHOOK_PATH, send([productStatusChanged(webhookId(0)), unsigned]));
      expect(res.status).toBe(401);
      expect(r.calls).toHaveLength(0);
    });

    it.each([
      ['another scheme', 'Basic d2hvOmFtaQ=='],
      ['Bearer without a token', 'Bearer '],
      ['a prefix of the secret', `Bearer ${SECRET.slice(0, -1)}`],
      ['the secret plus a byte', `Bearer ${SECRET}0`],
    ])('refuses an Authorization header with %s (401)', async (_label, authorization) => {
      const r = recordingReceiver();
      const request = await start(r.webhooks);
      const res = await request(
        WEBHOOK_PATH,
        send(batch(2), { authorization, 'content-type': 'application/json' }),
      );
      expect(res.status).toBe(401);
      expect(r.calls).toHaveLength(0);
    });

    it('accepts every configured secret while rotating, even mixed within a batch', async () => {
      const r = recordingReceiver({ secret: [OTHER_SECRET, SECRET] });
      const request = await start(r.webhooks);
      const oldOnes = await request(WEBHOOK_PATH, send(batch(2, 0), bearer(SECRET)));
      const newOnes = await request(
        WEBHOOK_PATH,
        send(batch(2, 2, OTHER_SECRET), bearer(OTHER_SECRET)),
      );
      const mixed = [...batch(1, 4), ...batch(1, 5, OTHER_SECRET)];
      const mixedRes = await request(WEBHOOK_PATH, send(mixed, bearer(OTHER_SECRET)));
      expect([oldOnes.status, newOnes.status, mixedRes.status]).toEqual([200, 200, 200]);
      expect(r.specific()).toHaveLength(6);
      const stranger = await request(WEBHOOK_PATH, send(batch(1, 6, 'third'), bearer('third')));
      expect(stranger.status).toBe(401);
    });

    it('answers 405 with Allow: POST to other methods', async () => {
      const r = recordingReceiver();
      const request = await start(r.webhooks);
      const res = await request(WEBHOOK_PATH, { method: 'GET' });
      expect(res.status).toBe(405);
      expect(res.headers['allow']).toBe('POST');
      expect(r.calls).toHaveLength(0);
    });

    it('passes other paths on to the app', async () => {
      const r = recordingReceiver();
      const request = await start(r.webhooks);
      const res = await request('/health', { method: 'GET' });
      expect(res.status).toBe(200);
      expect(res.text).toBe('ok');
    });

    it.each([
      ['application/x-www-form-urlencoded', 'a=1&b=2'],
      [
        'multipart/form-data; boundary=x',
        '--x\r\ncontent-disposition: form-data; name="a"\r\n\r\n1\r\n--x--',
      ],
    ])('refuses a %s body with 415', async (contentType, body) => {
      const r = recordingReceiver();
      const request = await start(r.webhooks);
      const res = await request(WEBHOOK_PATH, {
        body,
        headers: { authorization: `Bearer ${SECRET}`, 'content-type': contentType },
      });
      expect(res.status).toBe(415);
      expect(r.calls).toHaveLength(0);
    });

    it('parses a body sent with a missing or odd content type', async () => {
      const r = recordingReceiver();
      const request = await start(r.webhooks);
      const res = await request(WEBHOOK_PATH, {
        body: JSON.stringify(batch(2)),
        headers: { authorization: `Bearer ${SECRET}` },
      });
      expect(res.status).toBe(200);
      expect(r.specific()).toHaveLength(2);
    });

    it('refuses a body over maxBodyBytes by its Content-Length with 413', async () => {
      const r = recordingReceiver({ maxBodyBytes: 4096 });
      const request = await start(r.webhooks);
      const res = await request(WEBHOOK_PATH, send(batch(40)));
      expect(res.status).toBe(413);
      expect(r.calls).toHaveLength(0);
    });

    // With a body parser in front, the parser reads the body and its own limit applies.
    if (!variant.parsesBody) {
      it('refuses a chunked body over maxBodyBytes with 413 while reading it', async () => {
        const r = recordingReceiver({ maxBodyBytes: 4096 });
        const request = await start(r.webhooks);
        const res = await request(WEBHOOK_PATH, { ...send(batch(100)), chunks: 20 });
        expect(res.status).toBe(413);
        expect((res.json as { error: { code: string } }).error.code).toBe('PAYLOAD_TOO_LARGE');
        expect(r.calls).toHaveLength(0);
      });
    }

    it('refuses malformed JSON with 400 without echoing the body', async () => {
      const r = recordingReceiver();
      const request = await start(r.webhooks);
      const res = await request(WEBHOOK_PATH, {
        body: `[{"id":"1","secret":"${SECRET}",`,
        headers: bearer(),
      });
      expect(res.status).toBe(400);
      expect(res.text).not.toContain(SECRET);
      expect(r.calls).toHaveLength(0);
    });

    it.each([
      ['a JSON number', '42'],
      ['a JSON string', '"hello"'],
      ['null', 'null'],
      ['an array of numbers', '[1,2,3]'],
      ['an empty body', ''],
    ])('refuses %s with 400', async (_label, body) => {
      const r = recordingReceiver();
      const request = await start(r.webhooks);
      const res = await request(WEBHOOK_PATH, { body, headers: bearer() });
      expect(res.status).toBe(400);
      expect(r.calls).toHaveLength(0);
    });

    it.each(['id', 'event', 'data', 'timestamp'])(
      'refuses a batch whose item 2 has no %s with 400 naming the index',
      async (field) => {
        const r = recordingReceiver();
        const request = await start(r.webhooks);
        const payload: Record<string, unknown>[] = batch(4) as never;
        delete payload[2]![field];
        const res = await request(WEBHOOK_PATH, send(payload));
        expect(res.status).toBe(400);
        expect(res.json).toMatchObject({ error: { code: 'INVALID_ENVELOPE', index: 2 } });
        expect((res.json as { error: { message: string } }).error.message).toContain(field);
        expect(r.calls).toHaveLength(0);
      },
    );

    it('refuses an id of the wrong type with 400', async () => {
      const r = recordingReceiver();
      const request = await start(r.webhooks);
      const res = await request(WEBHOOK_PATH, send([{ ...productStatusChanged('x'), id: 12 }]));
      expect(res.status).toBe(400);
      expect(r.calls).toHaveLength(0);
    });

    it('refuses prototype-polluting keys with 400 and pollutes nothing', async () => {
      const r = recordingReceiver();
      const request = await start(r.webhooks);
      const envelope = JSON.stringify(productStatusChanged(webhookId(1)));
      for (const poison of [
        '{"__proto__":{"polluted":true}}',
        '{"constructor":{"prototype":{"polluted":true}}}',
      ]) {
        const body = envelope.replace('"data":{', `"data":{"x":${poison},`);
        const res = await request(WEBHOOK_PATH, { body, headers: bearer() });
        expect(res.status).toBe(400);
      }
      expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
      expect(r.calls).toHaveLength(0);
    });

    it('refuses a batch of 101 webhooks with 413 (Passfort sends at most 100)', async () => {
      const r = recordingReceiver();
      const request = await start(r.webhooks);
      const res = await request(WEBHOOK_PATH, send(batch(101)));
      expect(res.status).toBe(413);
      expect(res.json).toMatchObject({ error: { code: 'BATCH_TOO_LARGE' } });
      expect(r.calls).toHaveLength(0);
    });

    it('delivers an unknown event to onAny, unvalidated, never refusing it', async () => {
      const r = recordingReceiver();
      const request = await start(r.webhooks);
      const future = {
        ...productStatusChanged(webhookId(9)),
        event: 'SOMETHING_NEW',
        data: { x: 1 },
      };
      const res = await request(WEBHOOK_PATH, send([future]));
      expect(res.status).toBe(200);
      expect(r.calls).toEqual([
        expect.objectContaining({
          event: 'SOMETHING_NEW',
          kind: 'any',
          context: expect.objectContaining({ validated: false }),
        }),
      ]);
    });

    it('sets a known event whose payload misses its schema aside as a dead letter, and acks it', async () => {
      const r = recordingReceiver();
      const request = await start(r.webhooks);
      const odd = productStatusChanged(webhookId(3));
      odd.data['new_status'] = 'ON_HOLD';
      const res = await request(WEBHOOK_PATH, send([odd, productStatusChanged(webhookId(4))]));
      expect(res.status).toBe(200);
      expect(res.counts).toEqual({
        received: 2,
        processed: 1,
        duplicates: 0,
        deadLettered: 1,
        echoes: 0,
      });
      expect(r.calls.map((call) => `${call.kind}:${call.id}`)).toEqual([
        `specific:${webhookId(4)}`,
        `any:${webhookId(4)}`,
      ]);
      expect(r.errors).toEqual(['INVALID_ENVELOPE']);
      const letters = await r.webhooks.deadLetters.list();
      expect(letters).toMatchObject([{ id: webhookId(3), reason: 'schema-mismatch' }]);
      expect(JSON.stringify(letters)).not.toContain(SECRET);
    });

    it("delivers such an event to onAny only with onSchemaMismatch: 'deliver'", async () => {
      const r = recordingReceiver({ onSchemaMismatch: 'deliver' });
      const request = await start(r.webhooks);
      const odd = productStatusChanged(webhookId(3));
      odd.data['new_status'] = 'ON_HOLD';
      const res = await request(WEBHOOK_PATH, send([odd]));
      expect(res.status).toBe(200);
      expect(r.calls.map((call) => call.kind)).toEqual(['any']);
      expect(r.errors).toEqual(['INVALID_ENVELOPE']);
    });

    it('stops a batch at a failing handler with 500, and the redelivery runs only the rest', async () => {
      const attempts = new Map<string, number>();
      const effects: string[] = [];
      const webhooks = createPassfortWebhooks({ secret: SECRET });
      const failures: number[] = [];
      webhooks.onError(({ context }) => {
        failures.push(context.index);
      });
      webhooks.on('PRODUCT_STATUS_CHANGED', (event) => {
        const n = (attempts.get(event.id) ?? 0) + 1;
        attempts.set(event.id, n);
        if (event.id === webhookId(5) && n === 1) throw new Error('database down');
        effects.push(event.id);
      });
      const request = await start(webhooks);
      const first = await request(WEBHOOK_PATH, send(batch(10)));
      expect(first.status).toBe(500);
      expect(first.json).toMatchObject({
        error: { code: 'HANDLER_FAILED', index: 5 },
        processed: 5,
      });
      expect(first.counts).toMatchObject({ received: 10, processed: 5 });
      expect(first.text).not.toContain('database down');
      expect(failures).toEqual([5]);
      // Passfort redelivers the same batch with newer webhooks appended.
      const second = await request(WEBHOOK_PATH, send(batch(12)));
      expect(second.status).toBe(200);
      expect(second.counts).toEqual({
        received: 12,
        processed: 7,
        duplicates: 5,
        deadLettered: 0,
        echoes: 0,
      });
      expect(effects).toEqual(batch(12).map((e) => e.id));
      expect(attempts.get(webhookId(5))).toBe(2);
      expect(attempts.get(webhookId(6))).toBe(1);
    });

    it('skips a webhook id repeated inside one batch', async () => {
      const r = recordingReceiver();
      const request = await start(r.webhooks);
      const payload = [...batch(3), productStatusChanged(webhookId(1))];
      const res = await request(WEBHOOK_PATH, send(payload));
      expect(res.counts).toEqual({
        received: 4,
        processed: 3,
        duplicates: 1,
        deadLettered: 0,
        echoes: 0,
      });
      expect(r.specific()).toHaveLength(3);
    });

    /** A refusal: the status, a JSON error with a code (and no secret), no handler, no store access. */
    function expectRefused(
      r: ReturnType<typeof recordingReceiver>,
      res: HttpResult,
      status: number,
      code?: string,
    ) {
      expect(res.status).toBe(status);
      expect(res.text).not.toContain(SECRET);
      expect(r.calls).toHaveLength(0);
      expect(r.touched()).toBe(0);
      if (!variant.parsesBody || code === 'FORBIDDEN_IP' || code === 'UNAUTHORIZED') {
        expect(res.json).toMatchObject({
          error: { code: code ?? expect.any(String), message: expect.any(String) },
        });
      }
    }

    it('refuses a peer outside allowIps with 403', async () => {
      const r = recordingReceiver({ allowIps: ['10.0.0.0/8'] });
      const request = await start(r.webhooks);
      expectRefused(r, await request(WEBHOOK_PATH, send(batch(2))), 403, 'FORBIDDEN_IP');
    });

    it('accepts a listed peer, written as IPv4 or as IPv4-mapped IPv6', async () => {
      for (const allowIps of [['127.0.0.1'], ['::ffff:127.0.0.0/104']]) {
        const r = recordingReceiver({ allowIps });
        const request = await start(r.webhooks);
        expect((await request(WEBHOOK_PATH, send(batch(1)))).status).toBe(200);
        await server?.close();
        server = undefined;
      }
    });

    it('ignores a spoofed X-Forwarded-For from an untrusted peer', async () => {
      const r = recordingReceiver({ allowIps: 'passfort' });
      const request = await start(r.webhooks);
      const res = await request(
        WEBHOOK_PATH,
        send(batch(1), { ...bearer(), 'x-forwarded-for': '35.195.138.186' }),
      );
      expectRefused(r, res, 403, 'FORBIDDEN_IP');
    });

    it('believes X-Forwarded-For from a trusted proxy', async () => {
      const r = recordingReceiver({ allowIps: 'passfort', trustProxy: ['127.0.0.1'] });
      const request = await start(r.webhooks);
      const res = await request(
        WEBHOOK_PATH,
        send(batch(1), { ...bearer(), 'x-forwarded-for': '35.195.138.186' }),
      );
      expect(res.status).toBe(200);
      expect(r.specific()).toHaveLength(1);
    });

    it('refuses repeated Authorization headers, even when both carry the secret', async () => {
      const r = recordingReceiver();
      const request = await start(r.webhooks);
      const res = await request(WEBHOOK_PATH, {
        body: JSON.stringify(batch(1)),
        headers: {
          authorization: [`Bearer ${SECRET}`, `Bearer ${SECRET}`],
          'content-type': 'application/json',
        },
      });
      expectRefused(r, res, 401, 'UNAUTHORIZED');
    });

    it('accepts the Bearer scheme in any case', async () => {
      const r = recordingReceiver();
      const request = await start(r.webhooks);
      const res = await request(
        WEBHOOK_PATH,
        send(batch(1), { authorization: `bEaReR ${SECRET}`, 'content-type': 'application/json' }),
      );
      expect(res.status).toBe(200);
    });

    it('refuses invalid UTF-8 with 400', async () => {
      const r = recordingReceiver();
      const request = await start(r.webhooks);
      const body = Buffer.concat([
        Buffer.from('[{"id":"'),
        Buffer.from([0xc3, 0x28, 0xff]),
        Buffer.from('"}]'),
      ]);
      const res = await request(WEBHOOK_PATH, { body, headers: bearer() });
      // A text-decoding body parser in front turns the bytes into U+FFFD first; the envelope
      // is then refused for its missing secret instead.
      expectRefused(r, res, variant.parsesBody && res.status === 401 ? 401 : 400);
    });

    it('refuses huge id and event strings with 400', async () => {
      const r = recordingReceiver();
      const request = await start(r.webhooks);
      for (const field of ['id', 'event'] as const) {
        const envelope = { ...productStatusChanged(webhookId(1)), [field]: 'x'.repeat(1_000_000) };
        expectRefused(r, await request(WEBHOOK_PATH, send([envelope])), 400, 'INVALID_ENVELOPE');
      }
    });

    it('refuses JSON nested 50,000 levels deep with 400, without a stack overflow', async () => {
      const r = recordingReceiver();
      const request = await start(r.webhooks);
      const body = `${'['.repeat(50_000)}${']'.repeat(50_000)}`;
      expectRefused(r, await request(WEBHOOK_PATH, { body, headers: bearer() }), 400);
      expect((await request(WEBHOOK_PATH, send(batch(1)))).status).toBe(200); // still serving
    });

    it('refuses __proto__ and constructor.prototype keys at the envelope level and inside arrays', async () => {
      const r = recordingReceiver();
      const request = await start(r.webhooks);
      const envelope = JSON.stringify(productStatusChanged(webhookId(1)));
      for (const body of [
        `[${envelope.replace('{', '{"__proto__":{"polluted":1},')}]`,
        `[${envelope}, {"constructor":{"prototype":{"polluted":1}}}]`,
        envelope.replace('"data":{', '"data":{"list":[{"deep":[{"__proto__":{"polluted":1}}]}],'),
      ]) {
        expectRefused(r, await request(WEBHOOK_PATH, { body, headers: bearer() }), 400);
      }
      expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
      expect(Object.prototype).not.toHaveProperty('polluted');
    });

    it('accepts a slow chunked body', async () => {
      const r = recordingReceiver();
      const request = await start(r.webhooks);
      const res = await request(WEBHOOK_PATH, { ...send(batch(20)), chunks: 40 });
      expect(res.status).toBe(200);
      expect(r.specific()).toHaveLength(20);
    });

    it('answers an empty array with 200 and dispatches nothing', async () => {
      const r = recordingReceiver();
      const request = await start(r.webhooks);
      const res = await request(WEBHOOK_PATH, send([]));
      expect(res.status).toBe(200);
      expect(res.counts).toEqual({
        received: 0,
        processed: 0,
        duplicates: 0,
        deadLettered: 0,
        echoes: 0,
      });
      expect(r.calls).toHaveLength(0);
    });
  });
}
