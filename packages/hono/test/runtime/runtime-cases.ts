/**
 * The Hono-level cases every runtime must pass, written against a plain `send` so the same
 * list runs in-process (Node, Bun, Deno) and through miniflare (workerd).
 */
import type { DeliveryCounts } from '@passfort-webhooks/core/instrumentation';
import { CASE_SECRET } from './case-app.ts';

export interface Reply {
  status: number;
  json: unknown;
  /** From the delivery counts header. */
  counts: DeliveryCounts | undefined;
}

export type Send = (
  path: string,
  init?: { method?: string; headers?: Record<string, string>; body?: string },
) => Promise<Reply>;

export interface RuntimeCase {
  name: string;
  run(send: Send): Promise<void>;
}

function check(condition: boolean, message: string): void {
  if (!condition) throw new Error(message);
}

const id = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

function envelope(n: number, secret = CASE_SECRET, event = 'PRODUCT_STATUS_CHANGED') {
  return {
    id: id(n),
    event,
    secret,
    timestamp: 1568997222,
    data: {
      application_id: `app-${n}`,
      new_status: 'APPROVED',
      product: { alias: 'KYC', id: 'p', name: 'KYC' },
      profile_id: 'profile-1',
      user: null,
    },
  };
}

const batch = (count: number, from = 0) =>
  Array.from({ length: count }, (_, i) => envelope(from + i));

function post(send: Send, payload: unknown, secret = CASE_SECRET): Promise<Reply> {
  return send('/webhooks/passfort', {
    method: 'POST',
    headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
    body: typeof payload === 'string' ? payload : JSON.stringify(payload),
  });
}

async function calls(
  send: Send,
): Promise<{ kind: string; id: string; event: string; index: number; validated: boolean }[]> {
  return (await send('/__calls')).json as never;
}

async function fresh(send: Send, options: { maxBodyBytes?: number } = {}): Promise<void> {
  await send('/__reset', {
    method: 'POST',
    body: JSON.stringify(options),
    headers: { 'content-type': 'application/json' },
  });
}

export const runtimeCases: RuntimeCase[] = [
  {
    name: 'accepts a single webhook and runs its typed handler, then onAny',
    async run(send) {
      await fresh(send);
      const reply = await post(send, envelope(1));
      check(reply.status === 200, `status ${reply.status}`);
      const seen = await calls(send);
      check(
        JSON.stringify(seen.map((c) => c.kind)) === '["specific","any"]',
        `calls ${JSON.stringify(seen)}`,
      );
    },
  },
  {
    name: 'dispatches a batch of 100 in order',
    async run(send) {
      await fresh(send);
      const reply = await post(send, batch(100));
      check(reply.status === 200, `status ${reply.status}`);
      const ids = (await calls(send)).filter((c) => c.kind === 'specific').map((c) => c.id);
      check(
        ids.length === 100 && ids.every((value, i) => value === id(i)),
        'not the 100 ids in order',
      );
    },
  },
  {
    name: 'refuses a wrong Bearer secret with 401 and dispatches nothing',
    async run(send) {
      await fresh(send);
      const reply = await post(send, batch(3), 'wrong-secret');
      check(reply.status === 401, `status ${reply.status}`);
      check((await calls(send)).length === 0, 'a handler ran');
    },
  },
  {
    name: 'refuses a batch whose item 57 carries a wrong body secret with 401, dispatching nothing',
    async run(send) {
      await fresh(send);
      const payload = batch(100);
      payload[57] = envelope(57, `${CASE_SECRET}x`);
      const reply = await post(send, payload);
      check(reply.status === 401, `status ${reply.status}`);
      check((await calls(send)).length === 0, 'a handler ran');
    },
  },
  {
    name: 'refuses malformed JSON and an envelope without id with 400',
    async run(send) {
      await fresh(send);
      const malformed = await post(send, '[{"id":');
      check(malformed.status === 400, `malformed: status ${malformed.status}`);
      const { id: _, ...noId } = envelope(2);
      const missing = await post(send, [envelope(1), noId]);
      check(missing.status === 400, `missing id: status ${missing.status}`);
      check((missing.json as { error: { index: number } }).error.index === 1, 'index not named');
      check((await calls(send)).length === 0, 'a handler ran');
    },
  },
  {
    name: 'refuses a body over maxBodyBytes with 413',
    async run(send) {
      await fresh(send, { maxBodyBytes: 2048 });
      const reply = await post(send, batch(40));
      check(reply.status === 413, `status ${reply.status}`);
      check((await calls(send)).length === 0, 'a handler ran');
    },
  },
  {
    name: 'delivers an unknown event to onAny, unvalidated',
    async run(send) {
      await fresh(send);
      const reply = await post(send, [{ ...envelope(5), event: 'SOMETHING_NEW', data: {} }]);
      check(reply.status === 200, `status ${reply.status}`);
      const seen = await calls(send);
      check(
        seen.length === 1 && seen[0]?.kind === 'any' && seen[0].validated === false,
        `calls ${JSON.stringify(seen)}`,
      );
    },
  },
  {
    name: 'stops at a failing handler with 500; the redelivery runs only the rest',
    async run(send) {
      await fresh(send);
      await send('/__fail-once', {
        method: 'POST',
        body: JSON.stringify({ ids: [id(4)] }),
        headers: { 'content-type': 'application/json' },
      });
      const first = await post(send, batch(8));
      check(first.status === 500, `first: status ${first.status}`);
      const second = await post(send, batch(10));
      check(second.status === 200, `second: status ${second.status}`);
      const counts = second.counts;
      check(counts?.processed === 6 && counts.duplicates === 4, `counts ${JSON.stringify(counts)}`);
      const ids = (await calls(send)).filter((c) => c.kind === 'specific').map((c) => c.id);
      check(
        ids.length === 10 && ids.every((value, i) => value === id(i)),
        `ids ${JSON.stringify(ids)}`,
      );
    },
  },
];

/** Runs every case; one result per case, never throws. */
export async function runAll(send: Send): Promise<{ name: string; ok: boolean; error?: string }[]> {
  const results: { name: string; ok: boolean; error?: string }[] = [];
  for (const testCase of runtimeCases) {
    try {
      await testCase.run(send);
      results.push({ name: testCase.name, ok: true });
    } catch (error) {
      results.push({ name: testCase.name, ok: false, error: (error as Error).message });
    }
  }
  return results;
}
