import { describe, expect, it } from 'vitest';
import {
  batch,
  bearer,
  productStatusChanged,
  SECRET,
  webhookId,
} from '../test/webhook-fixtures.js';
import { createPassfortWebhooks } from './create-passfort-webhooks.js';
import { ConfigurationError } from './errors/configuration-error.js';
import { DELIVERY_COUNTS_HEADER, parseDeliveryCounts } from './receive/delivery-counts-header.js';

function post(body: unknown, headers: Record<string, string> = bearer()) {
  return { method: 'POST', headers, body: JSON.stringify(body) };
}

describe('createPassfortWebhooks options', () => {
  it.each([
    ['no options', undefined],
    ['an empty secret', { secret: '' }],
    ['a blank secret', { secret: '   ' }],
    ['an empty list of secrets', { secret: [] }],
    ['a list with an empty secret', { secret: ['ok', ''] }],
    ['a zero body limit', { secret: 's', maxBodyBytes: 0 }],
    ['a fractional batch size', { secret: 's', maxBatchSize: 1.5 }],
    ['a handler that is not a function', { secret: 's', on: { CHECK_COMPLETED: 'nope' } }],
  ])('throws a [passfort-webhooks] ConfigurationError at creation for %s', (_label, options) => {
    expect(() => createPassfortWebhooks(options as never)).toThrow(ConfigurationError);
    expect(() => createPassfortWebhooks(options as never)).toThrow(/^\[passfort-webhooks\] /);
  });

  it('registers handlers given in options.on', async () => {
    const seen: string[] = [];
    const webhooks = createPassfortWebhooks({
      secret: SECRET,
      on: {
        PRODUCT_STATUS_CHANGED: [
          (e) => void seen.push(`a:${e.id}`),
          (e) => void seen.push(`b:${e.id}`),
        ],
      },
    });
    const res = await webhooks.handle(post(productStatusChanged('x')));
    expect(res.status).toBe(200);
    expect(seen).toEqual(['a:x', 'b:x']);
  });

  it('never mentions the secret in a configuration error', () => {
    try {
      createPassfortWebhooks({ secret: ['super-secret-value', ''] });
    } catch (error) {
      expect((error as Error).message).not.toContain('super-secret-value');
    }
  });
});

describe('handle', () => {
  it.each([
    ['a number', 42],
    ['a boolean', true],
  ])('answers a parsed body that is %s with 400, not a crash', async (_what, body) => {
    const webhooks = createPassfortWebhooks({ secret: SECRET, logger: false });
    const res = await webhooks.handle({ method: 'POST', headers: bearer(), body });
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body).error.code).toMatch(/^[A-Z_]+$/);
  });

  it('does not read the body of a request whose Bearer secret is wrong', async () => {
    let pulled = false;
    const body = new ReadableStream<Uint8Array>(
      {
        pull(controller) {
          pulled = true;
          controller.close();
        },
      },
      { highWaterMark: 0 },
    );
    const webhooks = createPassfortWebhooks({ secret: SECRET });
    const res = await webhooks.handle({ method: 'POST', headers: bearer('wrong'), body });
    expect(res.status).toBe(401);
    expect(pulled).toBe(false);
  });

  // Read on past the limit (and thrown away) so workerd answers the 413 instead of resetting
  // the connection, but never more than twice the limit: see discardBody.
  it('stops reading a stream at twice maxBodyBytes and answers 413', async () => {
    let chunksServed = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        chunksServed++;
        controller.enqueue(new Uint8Array(1024));
      },
    });
    const webhooks = createPassfortWebhooks({ secret: SECRET, maxBodyBytes: 10_000 });
    const res = await webhooks.handle({ method: 'POST', headers: bearer(), body });
    expect(res.status).toBe(413);
    expect(chunksServed).toBeLessThan(25);
  });

  it('accepts a body already parsed into an array or an object', async () => {
    const webhooks = createPassfortWebhooks({ secret: SECRET });
    let count = 0;
    webhooks.onAny(() => void count++);
    const asArray = await webhooks.handle({
      method: 'POST',
      headers: bearer(),
      body: batch(3) as never,
    });
    const asObject = await webhooks.handle({
      method: 'POST',
      headers: bearer(),
      body: productStatusChanged(webhookId(50)) as never,
    });
    expect([asArray.status, asObject.status]).toEqual([200, 200]);
    expect(count).toBe(4);
  });

  it('reads headers given as a record in any case', async () => {
    const webhooks = createPassfortWebhooks({ secret: SECRET });
    const res = await webhooks.handle(
      post(productStatusChanged('a'), {
        Authorization: `Bearer ${SECRET}`,
        'Content-Type': 'text/plain',
      }),
    );
    expect(res.status).toBe(200);
  });

  it('refuses a request with no credential at all', async () => {
    const webhooks = createPassfortWebhooks({ secret: SECRET });
    const res = await webhooks.handle(post([], {}));
    expect(res.status).toBe(401);
  });

  it('reports a body consumed elsewhere instead of treating it as empty', async () => {
    const webhooks = createPassfortWebhooks({ secret: SECRET });
    const res = await webhooks.handle({
      method: 'POST',
      headers: bearer(),
      body: undefined,
      bodyAlreadyRead: true,
    });
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body)).toMatchObject({ error: { code: 'BODY_ALREADY_READ' } });
  });

  it('answers 503 once closed, and waits for requests in flight', async () => {
    const webhooks = createPassfortWebhooks({ secret: SECRET });
    let release = () => {};
    let finished = false;
    webhooks.onAny(async () => {
      await new Promise<void>((resolve) => (release = resolve));
      finished = true;
    });
    const inFlight = webhooks.handle(post(productStatusChanged('slow')));
    await new Promise((resolve) => setTimeout(resolve, 10));
    const closed = webhooks.close();
    const closedAgain = webhooks.close();
    expect((await webhooks.handle(post(productStatusChanged('late')))).status).toBe(503);
    expect(finished).toBe(false);
    release();
    await Promise.all([closed, closedAgain]);
    expect(finished).toBe(true);
    expect((await inFlight).status).toBe(200);
  });

  it('keeps running when an onError listener throws', async () => {
    const webhooks = createPassfortWebhooks({ secret: SECRET });
    webhooks.on('PRODUCT_STATUS_CHANGED', () => {
      throw new Error('boom');
    });
    webhooks.onError(() => {
      throw new Error('listener boom');
    });
    const res = await webhooks.handle(post(productStatusChanged('a')));
    expect(res.status).toBe(500);
  });

  it('removes a handler with the function on() returns', async () => {
    const webhooks = createPassfortWebhooks({ secret: SECRET });
    let calls = 0;
    const off = webhooks.on(['PRODUCT_STATUS_CHANGED', 'CHECK_COMPLETED'], () => void calls++);
    await webhooks.handle(post(productStatusChanged('a')));
    off();
    await webhooks.handle(post(productStatusChanged('b')));
    expect(calls).toBe(1);
  });
});

describe('fetch', () => {
  it('maps a Web Request to a Response', async () => {
    const webhooks = createPassfortWebhooks({ secret: SECRET });
    const ids: string[] = [];
    webhooks.on('PRODUCT_STATUS_CHANGED', (event) => void ids.push(event.id));
    const response = await webhooks.fetch(
      new Request('http://localhost/webhooks', {
        method: 'POST',
        headers: bearer(),
        body: JSON.stringify(batch(2)),
      }),
    );
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('');
    expect(parseDeliveryCounts(response.headers.get(DELIVERY_COUNTS_HEADER))).toEqual({
      received: 2,
      processed: 2,
      duplicates: 0,
      deadLettered: 0,
      echoes: 0,
    });
    expect(ids).toEqual(batch(2).map((e) => e.id));
  });
});
