/**
 * The client against a Passfort that behaves in ways our own emulator does not (a
 * hand-written server, `test/fixtures/hand-written-passfort-api.ts`): answers lost after the
 * write was stored, 412 and GET bodies that are not collected_data, stalls, trickling and
 * reset bodies, long Retry-After, error text that quotes the API key. Each case asserts
 * what a user relies on: the data Passfort ends up with, the writes made, the error thrown.
 */
import { afterEach, describe, expect, it } from 'vitest';
import {
  type Fault,
  HandWrittenPassfortApi,
} from '../../test/fixtures/hand-written-passfort-api.js';
import { ConfigurationError } from '../errors/configuration-error.js';
import { PassfortApiError } from '../errors/passfort-api-error.js';
import type { CollectedData } from '../events/collected-data-schema.js';
import { createLoopGuard } from '../sync/loop-guard.js';
import { createPassfortClient } from './create-passfort-client.js';
import type { PassfortClientOptions } from './passfort-client-options.js';

const API_KEY = 'pf-live-7b1e0c5d9a2f4e8c';
const person = () => ({
  entity_type: 'INDIVIDUAL',
  personal_details: { name: { given_names: ['Ada'], family_name: 'Lovelace' } },
  documents: [{ id: 'd0', category: 'PROOF_OF_IDENTITY' }],
  ip_location: { ip_address: '1.2.3.4' },
});
const appendDocument = (id: string) => (data: CollectedData) => ({
  ...data,
  documents: [...(data.documents ?? []), { id, category: 'PROOF_OF_ADDRESS' }],
});
const documentIds = (data: Record<string, unknown>) =>
  (data['documents'] as { id: string }[]).map((d) => d.id);

/** Everything an error carries that could end up in a log. */
function everythingIn(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current !== undefined && current !== null && depth < 10; depth++) {
    const e = current as Error & { errors?: unknown; code?: unknown };
    parts.push(String(e.message), String(e.stack), String(e.name), String(e.code));
    parts.push(JSON.stringify(e, Object.getOwnPropertyNames(e)));
    if (e.errors !== undefined) parts.push(JSON.stringify(e.errors));
    current = e.cause;
  }
  return parts.join('\n');
}

let api: HandWrittenPassfortApi;
afterEach(async () => api?.close());

async function start(
  options: Partial<PassfortClientOptions> & {
    conflictAnswer?: 'data' | 'data-and-etag' | 'nothing';
  } = {},
) {
  const { conflictAnswer, ...clientOptions } = options;
  api = await HandWrittenPassfortApi.start({
    apiKey: API_KEY,
    ...(conflictAnswer === undefined ? {} : { conflictAnswer }),
  });
  api.seed('p', person());
  return createPassfortClient({
    apiKey: API_KEY,
    baseUrl: api.baseUrl,
    retryDelayMs: 1,
    timeoutMs: 1_000,
    ...clientOptions,
  });
}

describe('a lost answer to a POST (the write was stored, the answer never came back)', () => {
  const lost: [string, Fault][] = [
    ['the connection reset', { kind: 'store-then', answer: 'reset' }],
    ['a 502 from a proxy', { kind: 'store-then', answer: 502 }],
    ['a 504 from a proxy', { kind: 'store-then', answer: 504 }],
    ['no answer within timeoutMs', { kind: 'store-then', answer: 'stall' }],
    ['the 200 body reset half way', { kind: 'store-then', answer: 'reset-body' }],
  ];
  for (const [what, fault] of lost) {
    it(`appends once after ${what}, without running mutate again`, async () => {
      const client = await start({ timeoutMs: 300 });
      api.failNext('POST', fault);
      let mutations = 0;
      const result = await client.updateCollectedData('p', (data) => {
        mutations++;
        return appendDocument('d1')(data);
      });
      expect(documentIds(api.data('p'))).toEqual(['d0', 'd1']);
      expect(api.writes).toBe(1);
      expect(mutations).toBe(1);
      expect(result).toMatchObject({ written: true, unconfirmed: [] });
      expect(result.data).toEqual(api.data('p'));
      expect(result.etag).toBe(api.etag('p'));
    });
  }

  it('recognises its write in a later 412 when it landed after the read that followed', async () => {
    const client = await start({ conflictAnswer: 'data-and-etag' });
    // The answer is lost, and the read that follows still sees the old data (Passfort had
    // not finished); the write lands, and the retry's 412 carries it.
    api.failNext('POST', { kind: 'answer', status: 503 });
    let mutations = 0;
    let first = true;
    const result = await client.updateCollectedData('p', (data) => {
      mutations++;
      const next = appendDocument('d1')(data);
      if (!first) return next;
      first = false;
      setTimeout(() => api.edit('p', () => next), 0);
      return next;
    });
    expect(documentIds(api.data('p'))).toEqual(['d0', 'd1']);
    expect(result.written).toBe(true);
    expect(mutations).toBeLessThanOrEqual(2);
    expect(api.requests.filter((r) => r.method === 'POST')).toHaveLength(mutations === 1 ? 1 : 2);
  });

  it('tells the loop guard that a write whose answer was lost landed', async () => {
    const loopGuard = createLoopGuard();
    const client = await start({ loopGuard });
    api.failNext('POST', { kind: 'store-then', answer: 'reset' });
    await client.updateCollectedData('p', appendDocument('d1'));
    const echo = { profile_id: 'p', new_data: api.data('p'), user: null };
    expect(await loopGuard.isEcho(echo)).toBe(true);
    expect(await loopGuard.isEcho(echo)).toBe(false);
  });

  it('gives up with a PassfortApiError after `retries` lost answers that did not land', async () => {
    const client = await start({ retries: 2 });
    api.failNext(
      'POST',
      { kind: 'answer', status: 502 },
      { kind: 'answer', status: 502 },
      { kind: 'answer', status: 502 },
    );
    const error = await client.updateCollectedData('p', appendDocument('d1')).catch((e) => e);
    expect(error).toBeInstanceOf(PassfortApiError);
    expect(error).toMatchObject({ code: 'API_ERROR', httpStatus: 502 });
    expect(api.writes).toBe(0);
    expect(documentIds(api.data('p'))).toEqual(['d0']);
  });
});

describe('412 and GET bodies that are not the profile’s collected_data', () => {
  const conflictBodies: [string, string][] = [
    ['an errors[] answer', JSON.stringify({ errors: [{ code: 412, message: 'Precondition' }] })],
    ['a wrapper object', JSON.stringify({ collected_data: { entity_type: 'INDIVIDUAL' } })],
    ['an array', '[]'],
    ['null', 'null'],
    ['an empty body', ''],
    ['an HTML page', '<html><body>Precondition Failed</body></html>'],
  ];
  for (const [what, body] of conflictBodies) {
    it(`reads again after a 412 with ${what}, and keeps the profile and the other writer’s change`, async () => {
      const client = await start();
      let first = true;
      const result = await client.updateCollectedData('p', (data) => {
        if (first) {
          first = false;
          // Another writer changes the profile; Passfort's 412 carries an odd body, with an
          // ETag that would let a POST of that body through.
          api.edit('p', (current) => ({ ...current, customer_ref: 'other writer' }));
          api.failNext('POST', { kind: 'conflict-body', body, etag: api.etag('p') });
        }
        return { ...data, contact_details: { email: 'ada@example.com' } };
      });
      expect(result.written).toBe(true);
      expect(api.data('p')).toEqual({
        ...person(),
        ip_location: { ip_address: '1.2.3.4', continent: 'Europe' },
        customer_ref: 'other writer',
        contact_details: { email: 'ada@example.com' },
      });
    });
  }

  const getBodies: [string, string][] = [
    ['an empty body', ''],
    ['null', 'null'],
    ['an array', '[]'],
    ['an HTML page', '<!doctype html><title>Login</title>'],
    ['an errors[] answer', JSON.stringify({ errors: [{ code: 500, message: 'oops' }] })],
  ];
  for (const [what, body] of getBodies) {
    it(`never hands mutate ${what} from a 200 GET: reads again, then throws, the profile unchanged`, async () => {
      const client = await start({ retries: 1 });
      const odd: Fault = { kind: 'answer', status: 200, body, headers: { etag: "W/'x'" } };
      api.failNext('GET', odd, odd);
      const mutated: unknown[] = [];
      const error = await client
        .updateCollectedData('p', (data) => {
          mutated.push(data);
          return { ...data, x: 1 };
        })
        .catch((e) => e);
      expect(error).toBeInstanceOf(PassfortApiError);
      expect(error.message).toMatch(/returned no collected_data/);
      expect(mutated).toEqual([]);
      expect(api.writes).toBe(0);
      expect(api.data('p')).toMatchObject(person());

      api.failNext('GET', odd);
      expect((await client.getCollectedData('p')).data).toEqual(api.data('p'));
    });
  }
});

describe('answers without a usable body or ETag', () => {
  it('reports nothing unconfirmed after a 204 or an empty 200 to a POST', async () => {
    for (const then of [204, 'empty-200'] as const) {
      const client = await start();
      api.failNext('POST', { kind: 'store-then', answer: then });
      const result = await client.updateCollectedData('p', appendDocument('d1'));
      expect(result).toMatchObject({ written: true, unconfirmed: [] });
      expect(result.data).toEqual(api.data('p'));
      expect(result.etag).toBe(api.etag('p'));
      await api.close();
    }
  });

  it('returns data and ETag as a pair when the 200 has no ETag and the profile changed since', async () => {
    let afterPost: (() => void) | undefined;
    const client = await start({
      fetch: async (url, init) => {
        const response = await fetch(url, init);
        afterPost?.();
        afterPost = undefined;
        return response;
      },
    });
    api.failNext('POST', { kind: 'store-then', answer: 'no-etag' });
    const result = await client.updateCollectedData('p', (data) => {
      afterPost = () => api.edit('p', (current) => ({ ...current, customer_ref: 'later' }));
      return appendDocument('d1')(data);
    });
    expect(result.written).toBe(true);
    // Whatever version it returns, its ETag is that version's: writing with it is safe.
    expect(result.etag).toBe(api.etag('p'));
    expect(result.data).toEqual(api.data('p'));
  });
});

describe('every wait bounded', () => {
  it('ends at once, with one request, when Retry-After asks for longer than maxRetryAfterMs', async () => {
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(warning.name);
    process.on('warning', onWarning);
    try {
      for (const retryAfter of ['3600', '1e10']) {
        const client = await start();
        api.failNext('GET', {
          kind: 'answer',
          status: 429,
          headers: { 'retry-after': retryAfter },
        });
        const error = await client.getCollectedData('p').catch((e) => e);
        expect(error).toBeInstanceOf(PassfortApiError);
        expect(error).toMatchObject({ httpStatus: 429 });
        expect(error.message).toMatch(/retry after .* more than maxRetryAfterMs/);
        expect(api.requests).toHaveLength(1);
        await api.close();
      }
      await new Promise((resolve) => setImmediate(resolve));
      expect(warnings).not.toContain('TimeoutOverflowWarning');
    } finally {
      process.off('warning', onWarning);
    }
  });

  it('settles within deadlineMs against a server that never answers', async () => {
    const client = await start({ timeoutMs: 10_000, retries: 3 });
    api.failNext('GET', ...Array.from({ length: 10 }, (): Fault => ({ kind: 'stall' })));
    const error = await client
      .updateCollectedData('p', appendDocument('d1'), { deadlineMs: 300 })
      .catch((e) => e);
    expect(error).toBeInstanceOf(PassfortApiError);
    expect(error).toMatchObject({ code: 'API_TIMEOUT' });
    expect(error.message).toMatch(/deadline of 300 ms/);
    expect(api.writes).toBe(0);
  });

  it('settles within deadlineMs when mutate or the loop guard’s store never settles, and writes nothing', async () => {
    const client = await start();
    const hanging = await client
      .updateCollectedData('p', () => new Promise<never>(() => {}), { deadlineMs: 200 })
      .catch((e) => e);
    expect(hanging).toMatchObject({ code: 'API_TIMEOUT' });
    const stuck = createPassfortClient({
      apiKey: API_KEY,
      baseUrl: api.baseUrl,
      deadlineMs: 200,
      loopGuard: createLoopGuard({
        store: {
          remember: () => new Promise<void>(() => {}),
          confirm: async () => {},
          forget: async () => {},
          take: async () => false,
        },
      }),
    });
    expect(
      await stuck.updateCollectedData('p', appendDocument('d1')).catch((e) => e),
    ).toMatchObject({ code: 'API_TIMEOUT' });
    expect(api.writes).toBe(0);
  });

  it('wraps a trickling or reset body in a PassfortApiError with its cause, and retries it', async () => {
    const client = await start({ timeoutMs: 200 });
    api.failNext('GET', { kind: 'trickle' }, { kind: 'reset-body' });
    expect((await client.getCollectedData('p')).data).toEqual(api.data('p'));
    expect(api.requests).toHaveLength(3);

    api.failNext('GET', ...Array.from({ length: 4 }, (): Fault => ({ kind: 'trickle' })));
    const error = await client.getCollectedData('p').catch((e) => e);
    expect(error).toBeInstanceOf(PassfortApiError);
    expect(error).toMatchObject({ code: 'API_TIMEOUT' });
    expect(error.message).toMatch(/while reading its 200 answer/);
    expect(error.cause).toBeInstanceOf(Error);

    api.failNext('GET', ...Array.from({ length: 4 }, (): Fault => ({ kind: 'reset-body' })));
    const reset = await client.getCollectedData('p').catch((e) => e);
    expect(reset).toBeInstanceOf(PassfortApiError);
    expect(reset).toMatchObject({ code: 'API_UNREACHABLE' });
    expect(reset.cause).toBeInstanceOf(Error);
  });
});

describe('the API key in no error', () => {
  it('scrubs it from a 401 body that echoes it', async () => {
    const client = await start();
    api.failNext('GET', {
      kind: 'answer',
      status: 401,
      body: JSON.stringify({
        errors: [{ code: 401, message: `Invalid API key ${API_KEY}`, info: { key: API_KEY } }],
      }),
    });
    const error = await client.getCollectedData('p').catch((e) => e);
    expect(error).toBeInstanceOf(PassfortApiError);
    expect(error.errors[0].message).toBe('Invalid API key [redacted]');
    expect(everythingIn(error)).not.toContain(API_KEY);
  });

  it('scrubs it, whole or cut off, from the message, stack and cause chain of a fetch failure', async () => {
    const quoting = (text: string) => {
      const inner = new Error(`connect failed for apikey=${API_KEY}`);
      inner.stack = `Error: ${API_KEY}\n    at somewhere`;
      return Object.assign(new TypeError(text, { cause: inner }), { code: `E_${API_KEY}` });
    };
    for (const error of [
      quoting(`Headers.append: "${API_KEY}\n" is an invalid header value.`),
      quoting(`request to https://api/ failed, header apikey: ${API_KEY.slice(0, 11)}…`),
      quoting(`${API_KEY.slice(6)} rejected`),
    ]) {
      const client = createPassfortClient({
        apiKey: API_KEY,
        retries: 0,
        fetch: async () => {
          throw error;
        },
      });
      const thrown = await client.getCollectedData('p').catch((e) => e);
      expect(thrown).toBeInstanceOf(PassfortApiError);
      expect(thrown.cause).toBeInstanceOf(Error);
      const text = everythingIn(thrown);
      for (let length = 4; length <= API_KEY.length; length++) {
        expect(text).not.toContain(API_KEY.slice(0, length));
        expect(text).not.toContain(API_KEY.slice(API_KEY.length - length));
      }
    }
  });

  it('refuses credentials in baseUrl and a key no header can carry, without quoting them', () => {
    for (const options of [
      { apiKey: API_KEY, baseUrl: `https://backend:${API_KEY}@api.passfort.com/4.0` },
      { apiKey: API_KEY, baseUrl: `https://api.passfort.com/4.0/${API_KEY}` },
      { apiKey: `${API_KEY}\n` },
      { apiKey: `${API_KEY}\r\nx-injected: 1` },
    ]) {
      let thrown: unknown;
      try {
        createPassfortClient(options);
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(ConfigurationError);
      expect(everythingIn(thrown)).not.toContain(API_KEY);
    }
  });
});
