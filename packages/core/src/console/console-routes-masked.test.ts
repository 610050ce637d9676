/**
 * One masking rule for every console answer: payload values stay masked in every route
 * until an operator reveals one dead letter (and the reveal is logged), and no route ever
 * shows a secret. The test walks every route the console serves, signed in by session and by
 * bearer, so a route added later without the rule fails here.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { bearer, productStatusChanged, SECRET, webhookId } from '../../test/webhook-fixtures.js';
import { createPassfortWebhooks } from '../create-passfort-webhooks.js';
import { createConsole } from './create-console.js';

const TOKEN = 'console-token-walks-every-route-0123456789';
const ORIGIN = 'http://receiver.test';
/** Values only the payloads carry: none may show unless revealed. */
const PAYLOAD_VALUES = ['pii-customer-ref-4471', 'pii.analyst@example.com', 'pii-app-id-9931'];

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

async function setUp() {
  const logs: string[] = [];
  const logger = Object.fromEntries(
    ['debug', 'info', 'warn', 'error'].map((level) => [
      level,
      (object: Record<string, unknown>, message?: string) =>
        void logs.push(`${level} ${message ?? ''} ${JSON.stringify(object)}`),
    ]),
  );
  const webhooks = createPassfortWebhooks({ secret: SECRET, maxAttempts: 1, logger });
  closers.push(() => webhooks.close());
  webhooks.onAny(() => {
    throw new Error('the CRM refused the update');
  });
  const letters = [1, 2].map((n) => {
    const webhook = productStatusChanged(webhookId(900 + n));
    Object.assign(webhook.data, {
      customer_ref: PAYLOAD_VALUES[0],
      user: { email: PAYLOAD_VALUES[1], id: 'u', name: 'Ann' },
      application_id: PAYLOAD_VALUES[2],
    });
    return webhook;
  });
  for (const letter of letters) {
    const answer = await webhooks.handle({
      method: 'POST',
      headers: bearer(),
      body: JSON.stringify(letter),
    });
    expect(answer.status).toBe(200); // dead-lettered at once (maxAttempts 1) and acked
  }
  const console = createConsole(webhooks, { token: TOKEN, logger });
  return { webhooks, console, logs, ids: letters.map((l) => l.id) };
}

type Console = ReturnType<typeof createConsole>;

async function call(console: Console, method: string, path: string, headers: HeadersInit = {}) {
  const res = await console(
    new Request(`${ORIGIN}/console${path}`, { method, headers, redirect: 'manual' }),
    { ip: '198.51.100.4' },
  );
  return { status: res.status, text: await res.text(), headers: res.headers };
}

function expectNothingShown(where: string, text: string, { payload = true } = {}) {
  if (payload) {
    for (const value of PAYLOAD_VALUES)
      expect(text, `${where} shows ${value}`).not.toContain(value);
  }
  for (const secret of [SECRET, TOKEN]) {
    for (let i = 0; i + 8 <= secret.length; i++) {
      expect(text, `${where} shows part of a secret`).not.toContain(secret.slice(i, i + 8));
    }
  }
}

describe('every console route', () => {
  it('masks payload values until one dead letter is revealed, and never shows a secret', async () => {
    const { console, logs, ids } = await setUp();
    const auth = { authorization: `Bearer ${TOKEN}` };
    const [first, second] = ids.map(encodeURIComponent) as [string, string];

    // Signed out: the sign-in page, redirects and refusals.
    const signedOut: [string, string][] = [
      ['GET', '/'],
      ['GET', '/fragment'],
      ['GET', '/state.json'],
      ['GET', `/dead-letters/${first}`],
      ['GET', `/dead-letters/${first}?reveal=1`],
      ['GET', '/sign-in'],
      ['GET', '/nowhere'],
    ];
    for (const [method, path] of signedOut) {
      const answer = await call(console, method, path);
      expect([200, 302, 303, 401, 404, 405]).toContain(answer.status);
      expectNothingShown(`${method} ${path} signed out`, answer.text);
    }

    // Signed in by bearer: every reading route.
    const reading = ['/', '/fragment', '/state.json', `/dead-letters/${first}`, '/nowhere'];
    for (const path of reading) {
      const answer = await call(console, 'GET', path, auth);
      expect([200, 404]).toContain(answer.status);
      expectNothingShown(`GET ${path}`, answer.text);
    }
    // The dashboard and state do list both letters (masked), so the walk saw real content.
    const state = await call(console, 'GET', '/state.json', auth);
    expect(state.text).toContain(ids[0]);
    expect(state.text).toContain(ids[1]);
    expect(state.text).toContain('‹string›');

    // A reveal shows that one letter's values, is logged, and reveals nothing elsewhere.
    const revealed = await call(console, 'GET', `/dead-letters/${first}?reveal=1`, auth);
    expect(revealed.status).toBe(200);
    for (const value of PAYLOAD_VALUES) expect(revealed.text).toContain(value);
    expectNothingShown('the reveal (secrets)', revealed.text, { payload: false });
    expect(logs.filter((line) => line.includes('revealed'))).toHaveLength(1);
    for (const path of ['/', '/fragment', '/state.json', `/dead-letters/${second}`]) {
      expectNothingShown(
        `GET ${path} after a reveal`,
        (await call(console, 'GET', path, auth)).text,
      );
    }

    // Actions: a replay that fails again, wrong methods, then a delete.
    const replay = await call(console, 'POST', `/dead-letters/${first}/replay`, auth);
    expect(replay.status).toBe(409);
    expectNothingShown('the replay answer', replay.text);
    for (const [method, path] of [
      ['POST', '/'],
      ['POST', '/state.json'],
      ['GET', `/dead-letters/${first}/replay`],
      ['GET', '/sign-out'],
    ] as const) {
      const answer = await call(console, method, path, auth);
      expect(answer.status, `${method} ${path}`).toBe(405);
      expectNothingShown(`${method} ${path}`, answer.text);
    }
    const deleted = await call(console, 'POST', `/dead-letters/${second}/delete`, auth);
    expect([200, 303]).toContain(deleted.status);
    expectNothingShown('the delete answer', deleted.text);

    // Logs: no payload value (the reveal logs the id only) and no secret.
    for (const line of logs) expectNothingShown(`the log line ${line}`, line);
  });
});
