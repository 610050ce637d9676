import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { FakePassfortApi } from '../../../testing/src/fake-passfort-api.js';
import { PassfortApiError } from '../errors/passfort-api-error.js';
import { PassfortConflictError } from '../errors/passfort-conflict-error.js';
import { createLoopGuard } from '../sync/loop-guard.js';
import { createPassfortClient } from './create-passfort-client.js';

const API_KEY = 'pf-api-key-0c2b9d8e1f';
const profile = () => ({
  entity_type: 'INDIVIDUAL',
  personal_details: { name: { given_names: ['Ada'], family_name: 'Lovelace' } },
  contact_details: { email: 'ada@example.com' },
});

describe('createPassfortClient against a local Passfort API', () => {
  let api: FakePassfortApi;
  afterEach(async () => api?.close());

  let baseUrl = '';
  async function start() {
    api = new FakePassfortApi({ apiKey: API_KEY });
    api.seed('p-1', profile());
    baseUrl = await api.listen();
    return createPassfortClient({ apiKey: API_KEY, baseUrl, retryDelayMs: 1 });
  }

  it('reads collected_data with its ETag', async () => {
    const client = await start();
    const { data, etag } = await client.getCollectedData('p-1');
    expect(data).toEqual(profile());
    expect(etag).toBe(api.etagOf('p-1'));
  });

  it('posts the whole mutated data with If-Match and returns the new ETag', async () => {
    const client = await start();
    const result = await client.updateCollectedData('p-1', (data) => ({
      ...data,
      contact_details: { email: 'ada@lovelace.org' },
    }));
    expect(result).toMatchObject({ attempts: 1, written: true, unconfirmed: [] });
    expect(result.etag).toBe(api.etagOf('p-1'));
    expect(api.profiles.get('p-1')!.data).toEqual({
      ...profile(),
      contact_details: { email: 'ada@lovelace.org' },
    });
  });

  it('on a 412 re-applies the change to the latest data, keeping the concurrent edit', async () => {
    const client = await start();
    let calls = 0;
    const result = await client.updateCollectedData('p-1', (data) => {
      if (calls++ === 0) {
        // Someone edits the profile in the portal between our GET and our POST.
        api.portalEdit('p-1', (current) => ({
          ...current,
          personal_details: { name: { given_names: ['Augusta'], family_name: 'King' } },
        }));
      }
      return { ...data, contact_details: { email: 'ada@lovelace.org' } };
    });
    expect(result.attempts).toBe(2);
    expect(api.profiles.get('p-1')!.data).toMatchObject({
      personal_details: { name: { family_name: 'King' } },
      contact_details: { email: 'ada@lovelace.org' },
    });
  });

  it('gives up with a PassfortConflictError after maxAttempts', async () => {
    const client = await start();
    const failing = client.updateCollectedData(
      'p-1',
      (data) => {
        api.portalEdit('p-1', (current) => ({ ...current, x: Math.random() }));
        return { ...data, y: 1 };
      },
      { maxAttempts: 3 },
    );
    await expect(failing).rejects.toBeInstanceOf(PassfortConflictError);
    await expect(failing).rejects.toMatchObject({ attempts: 3, httpStatus: 412 });
  });

  it('skips the POST when mutate changes nothing', async () => {
    const client = await start();
    const result = await client.updateCollectedData('p-1', (data) => data);
    expect(result.written).toBe(false);
    expect(api.writes).toHaveLength(0);
  });

  it('tells the loop guard what it wrote, before Passfort can fire the webhook', async () => {
    api = new FakePassfortApi({ apiKey: API_KEY });
    api.seed('p-1', profile());
    const loopGuard = createLoopGuard();
    const client = createPassfortClient({
      apiKey: API_KEY,
      baseUrl: await api.listen(),
      loopGuard,
    });
    await client.updateCollectedData('p-1', (data) => ({
      ...data,
      contact_details: { email: 'new@example.com' },
    }));
    const stored = api.profiles.get('p-1')!.data;
    expect(await loopGuard.isEcho({ profile_id: 'p-1', new_data: stored, user: null })).toBe(true);
  });

  it('keeps the API key out of errors, and carries Passfort’s errors[]', async () => {
    const client = await start();
    const error = await client.getCollectedData('no-such-profile').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PassfortApiError);
    expect(error).toMatchObject({
      httpStatus: 404,
      errors: [{ code: 404, message: 'Profile not found' }],
    });
    const wrongKey = createPassfortClient({ apiKey: 'wrong-key-123', baseUrl });
    for (const e of [error, await wrongKey.getCollectedData('p-1').catch((e: unknown) => e)]) {
      const text =
        JSON.stringify(e, Object.getOwnPropertyNames(e)) +
        String((e as Error).stack) +
        String((e as Error).cause);
      expect(text).not.toContain(API_KEY);
      expect(text).not.toContain('wrong-key-123');
    }
  });

  it('retries 429 and 5xx honouring Retry-After, and times out slow requests', async () => {
    let calls = 0;
    const answers = [
      new Response('{}', { status: 429, headers: { 'retry-after': '0' } }),
      new Response('{}', { status: 503 }),
      new Response(JSON.stringify({ a: 1 }), { status: 200, headers: { etag: 'W/"1"' } }),
    ];
    const client = createPassfortClient({
      apiKey: API_KEY,
      retryDelayMs: 1,
      fetch: async () => answers[calls++]!,
    });
    expect(await client.getCollectedData('p')).toEqual({ data: { a: 1 }, etag: 'W/"1"' });
    expect(calls).toBe(3);

    const slow = createPassfortClient({
      apiKey: API_KEY,
      timeoutMs: 20,
      retries: 1,
      retryDelayMs: 1,
      fetch: (_url, init) =>
        new Promise((_resolve, reject) =>
          init?.signal?.addEventListener('abort', () => reject(init.signal!.reason)),
        ),
    });
    await expect(slow.getCollectedData('p')).rejects.toMatchObject({
      code: 'API_TIMEOUT',
      httpStatus: 0,
    });
  });

  it('reads the ETag with a GET when a 412 carries none, and reports what Passfort stored differently', async () => {
    const requests: string[] = [];
    let stored: Record<string, unknown> = { a: 1 };
    let version = 1;
    const client = createPassfortClient({
      apiKey: API_KEY,
      fetch: async (_url, init) => {
        requests.push(
          `${init?.method} ${((init?.headers ?? {}) as Record<string, string>)['if-match'] ?? ''}`,
        );
        if (init?.method === 'GET') {
          return new Response(JSON.stringify(stored), { headers: { etag: `v${version}` } });
        }
        if (requests.length === 2) {
          stored = { a: 2 }; // changed by someone else meanwhile
          version++;
          return new Response(JSON.stringify(stored), { status: 412 }); // an older Passfort: no ETag
        }
        const sent = JSON.parse(String(init?.body)) as Record<string, unknown>;
        stored = { ...sent, b: 'trimmed by Passfort' };
        version++;
        return new Response(JSON.stringify(stored), { headers: { etag: `v${version}` } });
      },
    });
    const result = await client.updateCollectedData('p', (data) => ({ ...data, b: 'mine' }));
    expect(requests).toEqual(['GET ', 'POST v1', 'GET ', 'POST v2']);
    expect(result).toMatchObject({ attempts: 2, etag: 'v3', written: true });
    expect(result.unconfirmed).toEqual([
      { kind: 'changed', path: ['b'], before: 'mine', after: 'trimmed by Passfort' },
    ]);
  });

  it('loses no update when several clients change different fields at once (property)', async () => {
    api = new FakePassfortApi({ apiKey: API_KEY });
    baseUrl = await api.listen();
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 2, max: 6 }),
        fc.array(fc.nat(3), { minLength: 6, maxLength: 6 }),
        async (writers, delays) => {
          api.seed('p-race', { entity_type: 'INDIVIDUAL' });
          const clients = Array.from({ length: writers }, () =>
            createPassfortClient({ apiKey: API_KEY, baseUrl }),
          );
          const results = await Promise.all(
            clients.map(async (client, i) => {
              await new Promise((resolve) => setTimeout(resolve, delays[i]!));
              return client.updateCollectedData(
                'p-race',
                (data) => ({ ...data, [`field_${i}`]: `value ${i}` }),
                {
                  maxAttempts: writers + 1,
                },
              );
            }),
          );
          const stored = api.profiles.get('p-race')!.data;
          for (let i = 0; i < writers; i++) expect(stored[`field_${i}`]).toBe(`value ${i}`);
          for (const result of results) expect(result.attempts).toBeLessThanOrEqual(writers);
        },
      ),
      { numRuns: 25 },
    );
  });
});
