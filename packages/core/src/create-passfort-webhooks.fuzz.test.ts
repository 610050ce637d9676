/**
 * Property tests of handle() on arbitrary requests: it never throws, never answers 5xx to a
 * malformed request, never runs a handler unless the request was valid and authentic, and
 * keeps memory bounded. `pnpm test` runs a few thousand cases; `pnpm fuzz` runs 100,000.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createPassfortWebhooks } from './create-passfort-webhooks.js';
import { passfortEventNames } from './events/event-schemas.js';
import { memoryStore } from './stores/memory/memory-store.js';

const SECRET = 'fuzz-secret-7d1e';
const RUNS = Number(process.env['FUZZ_RUNS'] ?? 3000);

const secretish = fc.oneof(
  { weight: 6, arbitrary: fc.constant(SECRET) },
  fc.constant(`${SECRET}x`),
  fc.constant(SECRET.slice(0, -1)),
  fc.string(),
);
const envelope = fc.record(
  {
    id: fc.oneof(
      { weight: 6, arbitrary: fc.uuid() },
      fc.string({ maxLength: 300 }),
      fc.integer(),
      fc.constant(null),
    ),
    event: fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...passfortEventNames) }, fc.string()),
    secret: secretish,
    timestamp: fc.oneof({ weight: 6, arbitrary: fc.integer() }, fc.string(), fc.double()),
    data: fc.oneof(
      { weight: 4, arbitrary: fc.object() },
      fc.jsonValue(),
      fc.record({ profile_id: fc.string(), new_status: fc.string() }),
    ),
  },
  { requiredKeys: ['id', 'event', 'secret', 'timestamp', 'data'] },
);
const body = fc.oneof(
  fc.constant(undefined),
  fc.uint8Array({ maxLength: 512 }),
  fc.string({ maxLength: 512 }),
  fc.json(),
  { weight: 4, arbitrary: envelope.map((e) => JSON.stringify(e)) },
  {
    weight: 4,
    arbitrary: fc.array(envelope, { maxLength: 6 }).map((list) => JSON.stringify(list)),
  },
  fc
    .record({ id: fc.uuid(), secret: secretish }, { requiredKeys: [] })
    .map((e) => JSON.stringify(e)),
  fc.array(envelope, { maxLength: 6 }),
  fc.jsonValue(),
);
const headers = fc.record(
  {
    authorization: fc.oneof(
      { weight: 6, arbitrary: fc.constant(`Bearer ${SECRET}`) },
      secretish.map((s) => `Bearer ${s}`),
      fc.string(),
      fc.array(fc.string(), { maxLength: 3 }),
    ),
    'content-type': fc.oneof(
      fc.constantFrom(
        'application/json',
        'text/plain',
        'application/x-www-form-urlencoded',
        'multipart/form-data',
      ),
      fc.string(),
    ),
    'content-length': fc.oneof(fc.nat().map(String), fc.string()),
    'x-forwarded-for': fc.string(),
  },
  { requiredKeys: [] },
);
const method = fc.oneof(
  { weight: 6, arbitrary: fc.constant('POST') },
  fc.constantFrom('post', 'GET', 'PUT', 'DELETE', 'OPTIONS'),
  fc.string(),
);

/** Whether a request is valid and authentic, judged independently of the receiver. */
function authentic(request: {
  method: string;
  headers: Record<string, unknown>;
  body: unknown;
}): boolean {
  if (request.method.toUpperCase() !== 'POST') return false;
  const authorization = request.headers['authorization'];
  if (
    authorization !== undefined &&
    !(
      typeof authorization === 'string' &&
      /^bearer\s+/i.test(authorization) &&
      authorization.replace(/^bearer\s+/i, '').trim() === SECRET
    )
  ) {
    return false;
  }
  let value = request.body;
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value);
    } catch {
      return false;
    }
  }
  const list = Array.isArray(value) ? value : [value];
  return list.every(
    (item) =>
      typeof item === 'object' && item !== null && (item as { secret?: unknown }).secret === SECRET,
  );
}

describe('handle() under arbitrary input', () => {
  it(`never throws, never answers 5xx, and runs handlers only for valid authentic requests (${RUNS.toLocaleString('en')} runs)`, async () => {
    const webhooks = createPassfortWebhooks({
      secret: SECRET,
      store: memoryStore({ maxEntries: 10_000 }),
    });
    let ran = 0;
    let requestsThatRan = 0;
    webhooks.onAny(() => void ran++);
    const before = process.memoryUsage().heapUsed;
    await fc.assert(
      fc.asyncProperty(method, headers, body, async (m, h, b) => {
        ran = 0;
        const request = { method: m, headers: h as Record<string, string>, body: b as never };
        const response = await webhooks.handle(request);
        expect(response.status).toBeLessThan(500);
        // A 200 reports its counts in a header and has no body; anything else explains itself in JSON.
        if (response.status === 200) expect(response.counts).toBeDefined();
        else expect(() => JSON.parse(response.body)).not.toThrow();
        expect(response.body).not.toContain(SECRET);
        if (ran > 0) {
          requestsThatRan++;
          expect(authentic(request)).toBe(true);
        }
      }),
      { numRuns: RUNS },
    );
    // The property above is only meaningful if valid, authentic requests were generated too.
    expect(requestsThatRan).toBeGreaterThan(RUNS / 100);
    const grownMb = (process.memoryUsage().heapUsed - before) / 2 ** 20;
    expect(grownMb).toBeLessThan(200);
  }, 600_000);
});
