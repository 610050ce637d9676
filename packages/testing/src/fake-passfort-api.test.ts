import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createEmulator } from './emulator.js';
import { individualCollectedData } from './event-factories.js';
import { FakePassfortApi, type FakePassfortApiOptions } from './fake-passfort-api.js';

const API_KEY = 'fake-api-key';
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function serve(options: Partial<FakePassfortApiOptions> = {}) {
  const api = new FakePassfortApi({ apiKey: API_KEY, ...options });
  api.seed('p-1', { ...individualCollectedData(), customer_ref: 'cust-42' });
  const baseUrl = await api.listen();
  cleanups.push(() => api.close());
  const url = `${baseUrl}/profiles/p-1/collected_data`;
  const get = async () => {
    const response = await fetch(url, { headers: { apikey: API_KEY } });
    return { etag: response.headers.get('etag') ?? '', data: await response.json() };
  };
  const post = (data: unknown, ifMatch?: string) =>
    fetch(url, {
      method: 'POST',
      headers: { apikey: API_KEY, ...(ifMatch === undefined ? {} : { 'if-match': ifMatch }) },
      body: JSON.stringify(data),
    });
  return { api, get, post };
}

describe('FakePassfortApi', () => {
  it('double-quotes its weak ETags as the GET documentation shows, and single-quotes them as the spec’s example when asked', async () => {
    const double = await serve();
    expect((await double.get()).etag).toMatch(/^W\/"1579973191\.\d+"$/);
    const single = await serve({ etagQuotes: 'single' });
    const { etag, data } = await single.get();
    expect(etag).toMatch(/^W\/'1579973191\.\d+'$/);
    // Echoed byte for byte it matches; the same value re-quoted does not.
    expect((await single.post(data, etag.replaceAll("'", '"'))).status).toBe(412);
    const accepted = await single.post(data, etag);
    expect(accepted.status).toBe(200);
    expect(accepted.headers.get('etag')).toMatch(/^W\/'1579973191\.\d+'$/);
  });

  it('carries the profile’s customer_ref into its COLLECTED_DATA_CHANGED webhooks', async () => {
    const bodies: unknown[] = [];
    const receiver = createServer(async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      bodies.push(JSON.parse(Buffer.concat(chunks).toString('utf8')));
      res.writeHead(200).end();
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise<void>((resolve) => receiver.close(() => resolve())));
    const emulator = createEmulator({
      target: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`,
      secret: 's',
      timeScale: 0.001,
    });
    cleanups.push(() => emulator.close());
    const { get, post } = await serve({ webhooks: emulator });
    const { etag, data } = await get();
    expect((await post({ ...data, external_refs: { crm: 'x' } }, etag)).status).toBe(200);
    await emulator.drain({ timeoutMs: 5_000 });
    expect(bodies).toMatchObject([
      {
        event: 'COLLECTED_DATA_CHANGED',
        data: { profile_id: 'p-1', customer_ref: 'cust-42', user: null },
      },
    ]);
  });

  it('treats a write of identical data as a new version by default, or as no change when asked', async () => {
    const assumed = await serve();
    const first = await assumed.get();
    await assumed.post(first.data, first.etag);
    expect((await assumed.get()).etag).not.toBe(first.etag);

    const quiet = await serve({ identicalWrites: 'no-change' });
    const before = await quiet.get();
    const answer = await quiet.post(before.data, before.etag);
    expect(answer.status).toBe(200);
    expect(answer.headers.get('etag')).toBe(before.etag);
    expect(quiet.api.webhooksSent).toEqual([]);
  });

  it('answers If-Match: * with a 412 by default, and accepts it as RFC 9110 does when asked', async () => {
    const strict = await serve();
    expect((await strict.post((await strict.get()).data, '*')).status).toBe(412);
    const rfc = await serve({ ifMatchStar: 'match' });
    expect((await rfc.post((await rfc.get()).data, '*')).status).toBe(200);
  });
});
