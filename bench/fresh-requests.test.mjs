import { createServer } from 'node:http';
import autocannon from 'autocannon';
import { afterEach, describe, expect, it } from 'vitest';
import { freshRequestOptions, stampedRequest } from './fresh-requests.mjs';
import { ID_MARK, passfortBodies } from './payloads.mjs';

const bodies = passfortBodies('secret-1', 'run-1');
const envelopes = (body) => {
  const parsed = JSON.parse(body);
  return Array.isArray(parsed) ? parsed : [parsed];
};

function split(buffer) {
  const text = buffer.toString('latin1');
  const end = text.indexOf('\r\n\r\n');
  const length = Number(/\r\nContent-Length: (\d+)\r\n/.exec(text.slice(0, end + 2))[1]);
  return { head: text.slice(0, end), length, body: text.slice(end + 4) };
}

describe('stampedRequest', () => {
  it('writes the counter into every id of a batch and keeps the request well formed', () => {
    const request = stampedRequest({
      host: '127.0.0.1:1',
      path: '/webhooks',
      headers: { authorization: 'Bearer x' },
      body: bodies.batch,
    });
    const { head, length, body } = split(request.stamp(0x1a2b));
    expect(head.startsWith('POST /webhooks HTTP/1.1\r\nHost: 127.0.0.1:1\r\n')).toBe(true);
    expect(length).toBe(Buffer.byteLength(body));
    expect(body).not.toContain(ID_MARK);
    const list = envelopes(body);
    expect(list).toHaveLength(100);
    expect(new Set(list.map((e) => e.id)).size).toBe(100);
    for (const e of list) {
      expect(e.id.startsWith('00001a2b-')).toBe(true);
      expect(e.data.profile_id).toBe(`profile-${e.id}`);
    }
    // A later stamp overwrites the earlier one completely.
    const again = envelopes(split(request.stamp(0xffffffff)).body);
    expect(again.every((e) => e.id.startsWith('ffffffff-'))).toBe(true);
  });

  it('refuses counters that do not fit and bodies with nothing to stamp', () => {
    const request = stampedRequest({ host: 'h', path: '/', headers: {}, body: bodies.single });
    expect(() => request.stamp(2 ** 32)).toThrow(RangeError);
    expect(() => request.stamp(-1)).toThrow(RangeError);
    expect(() => stampedRequest({ host: 'h', path: '/', headers: {}, body: '{}' })).toThrow(
      /no XXXXXXXX/,
    );
  });
});

describe('freshRequestOptions under autocannon', () => {
  let server;
  afterEach(() => server?.close());

  it('sends every request with ids no other request of the run had', async () => {
    const seen = new Set();
    let received = 0;
    let repeated = 0;
    server = createServer((req, res) => {
      const chunks = [];
      req.on('data', (chunk) => chunks.push(chunk));
      req.on('end', () => {
        received++;
        for (const e of envelopes(Buffer.concat(chunks).toString('utf8'))) {
          if (seen.has(e.id) || e.secret !== 'secret-1') repeated++;
          seen.add(e.id);
        }
        res.writeHead(req.headers.authorization === 'Bearer secret-1' ? 200 : 401).end();
      });
    });
    await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
    let counter = 0;
    const result = await autocannon({
      ...freshRequestOptions({
        url: `http://127.0.0.1:${server.address().port}/webhooks`,
        headers: { 'content-type': 'application/json', authorization: 'Bearer secret-1' },
        body: bodies.batch,
        next: () => counter++,
      }),
      connections: 8,
      duration: 1,
    });
    expect(result.non2xx).toBe(0);
    expect(result.requests.total).toBeGreaterThan(8);
    expect(received).toBeGreaterThanOrEqual(result.requests.total);
    expect(repeated).toBe(0);
    expect(seen.size).toBe(received * 100);
  });
});
