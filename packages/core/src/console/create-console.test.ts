/**
 * The console's security rules, one by one, through its Web handler (the browser tests in
 * console.browser.test.ts drive the same handler through a real Chromium).
 */
import { describe, expect, it } from 'vitest';
import { batch, bearer, SECRET } from '../../test/webhook-fixtures.js';
import { createPassfortWebhooks } from '../create-passfort-webhooks.js';
import { createConsole } from './create-console.js';

const TOKEN = 'console-token-0123456789abcdef-0123456789';
const ORIGIN = 'http://receiver.test';

function setUp() {
  const logs: { level: string; object: Record<string, unknown>; message: string | undefined }[] =
    [];
  const logger = {
    info: (object: Record<string, unknown>, message?: string) =>
      void logs.push({ level: 'info', object, message }),
    warn: (object: Record<string, unknown>, message?: string) =>
      void logs.push({ level: 'warn', object, message }),
    error: (object: Record<string, unknown>, message?: string) =>
      void logs.push({ level: 'error', object, message }),
  };
  const webhooks = createPassfortWebhooks({ secret: SECRET, maxAttempts: 1, logger: false });
  let failing = true;
  const ran: string[] = [];
  webhooks.onAny((event) => {
    ran.push(event.id);
    if (failing) throw new Error('the CRM is down');
  });
  const handler = createConsole(webhooks, { token: TOKEN, logger });
  const call = (path: string, init: RequestInit & { ip?: string } = {}) =>
    handler(new Request(`${ORIGIN}${path}`, init), { ip: init.ip ?? '203.0.113.7' });
  const deadLetter = async (count = 1) => {
    const webhooksBatch = batch(count);
    await webhooks.handle({
      method: 'POST',
      headers: bearer(),
      body: JSON.stringify(webhooksBatch),
    });
    return webhooksBatch.map((webhook) => webhook.id);
  };
  const signIn = async (ip?: string) => {
    const res = await call('/console/sign-in', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: ORIGIN },
      body: new URLSearchParams({ token: TOKEN }).toString(),
      ...(ip === undefined ? {} : { ip }),
    });
    const cookie = res.headers.get('set-cookie')!.split(';')[0]!;
    const page = await (await call('/console/', { headers: { cookie } })).text();
    const csrf = /name="csrf-token" content="([^"]+)"/.exec(page)![1]!;
    return { res, cookie, csrf };
  };
  return {
    webhooks,
    handler,
    call,
    deadLetter,
    signIn,
    logs,
    ran,
    heal: () => {
      failing = false;
    },
  };
}

describe('the console’s security rules', () => {
  it('refuses a short token, and the webhook secret as the token, at start-up', () => {
    const webhooks = createPassfortWebhooks({ secret: 'w'.repeat(40), logger: false });
    expect(() => createConsole(webhooks, { token: 'short' })).toThrow(/at least 32 characters/);
    expect(() => createConsole(webhooks, { token: 'w'.repeat(40) })).toThrow(
      /must not be the webhook secret/,
    );
  });

  it('asks for the token on every request: the sign-in page, 401 for data and actions', async () => {
    const { call, deadLetter } = setUp();
    const [id] = await deadLetter();
    const page = await call('/console/');
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('Console token');
    expect((await call('/console/state.json')).status).toBe(401);
    expect((await call(`/console/dead-letters/${id}`)).status).toBe(401);
    const replay = await call(`/console/dead-letters/${id}/replay`, { method: 'POST' });
    expect(replay.status).toBe(401);
  });

  it('accepts the console token as a bearer, never the webhook secret nor a wrong token', async () => {
    const { call } = setUp();
    expect(
      (await call('/console/state.json', { headers: { authorization: `Bearer ${TOKEN}` } })).status,
    ).toBe(200);
    expect(
      (await call('/console/state.json', { headers: { authorization: `Bearer ${SECRET}` } }))
        .status,
    ).toBe(401);
    expect(
      (await call('/console/state.json', { headers: { authorization: `Bearer ${TOKEN}x` } }))
        .status,
    ).toBe(401);
  });

  it('signs in with an HttpOnly, SameSite=Strict cookie scoped to the console path, and signs out', async () => {
    const { signIn, call, logs } = setUp();
    const { res, cookie, csrf } = await signIn();
    expect(res.status).toBe(303);
    expect(res.headers.get('set-cookie')).toMatch(
      /; Path=\/console; HttpOnly; SameSite=Strict; Max-Age=\d+$/,
    );
    expect((await call('/console/state.json', { headers: { cookie } })).status).toBe(200);
    const out = await call('/console/sign-out', {
      method: 'POST',
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ csrf }).toString(),
    });
    expect(out.status).toBe(303);
    expect((await call('/console/state.json', { headers: { cookie } })).status).toBe(401);
    expect(logs.map((log) => log.message)).toEqual(['console: signed in', 'console: signed out']);
    expect(logs.every((log) => log.object['ip'] === '203.0.113.7')).toBe(true);
  });

  it('rate-limits sign-in per address: after 5 failures even the right token waits', async () => {
    const { call, signIn } = setUp();
    const attempt = (token: string, ip = '198.51.100.1') =>
      call('/console/sign-in', {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ token }).toString(),
        ip,
      });
    for (let i = 0; i < 5; i++) expect((await attempt('wrong')).status).toBe(401);
    const blocked = await attempt(TOKEN);
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
    // Another address is not held up by the first one's failures.
    expect((await signIn('198.51.100.2')).res.status).toBe(303);
  });

  it('changes state only by POST with the page’s CSRF token (cookie sessions), and refuses cross-origin POSTs', async () => {
    const { signIn, call, deadLetter, webhooks, heal } = setUp();
    const [id] = await deadLetter();
    const { cookie, csrf } = await signIn();
    heal();
    const replay = (headers: Record<string, string>) =>
      call(`/console/dead-letters/${id}/replay`, {
        method: 'POST',
        headers: { cookie, ...headers },
      });
    expect((await call(`/console/dead-letters/${id}/replay`, { headers: { cookie } })).status).toBe(
      405,
    );
    expect((await replay({})).status).toBe(403);
    expect((await replay({ 'x-csrf-token': `${csrf}x` })).status).toBe(403);
    expect((await replay({ 'x-csrf-token': csrf, origin: 'http://evil.test' })).status).toBe(403);
    expect(await webhooks.deadLetters.get(id!)).toBeDefined();
    expect((await replay({ 'x-csrf-token': csrf, origin: ORIGIN })).status).toBe(200);
    expect(await webhooks.deadLetters.get(id!)).toBeUndefined();
  });

  it('shows a dead letter without its secret and with its values hidden until revealed, and logs the reveal', async () => {
    const { signIn, call, deadLetter, logs } = setUp();
    const [id] = await deadLetter();
    const { cookie } = await signIn();
    const masked = await (
      await call(`/console/dead-letters/${id}`, { headers: { cookie } })
    ).json();
    expect(masked.webhook.id).toBe(id);
    expect(masked.webhook.secret).toBeUndefined();
    expect(JSON.stringify(masked)).not.toContain(SECRET);
    expect(
      Object.values(masked.webhook.data as object).every(
        (value) => typeof value !== 'string' || value.startsWith('‹'),
      ),
    ).toBe(true);
    const revealed = await (
      await call(`/console/dead-letters/${id}?reveal=1`, { headers: { cookie } })
    ).json();
    expect(JSON.stringify(revealed)).not.toContain(SECRET);
    expect(revealed.webhook.data.profile_id).toEqual(expect.any(String));
    expect(revealed.webhook.data.profile_id.startsWith('‹')).toBe(false);
    expect(
      logs.some(
        (log) =>
          log.message?.includes('revealed') &&
          log.object['id'] === id &&
          log.object['ip'] === '203.0.113.7',
      ),
    ).toBe(true);
  });

  it('replays and deletes, logging each with the operator’s address; a replay that fails again is a 409', async () => {
    const { signIn, call, deadLetter, logs, heal, ran } = setUp();
    const [first, second] = await deadLetter(2);
    const { cookie, csrf } = await signIn();
    const post = (id: string, action: string) =>
      call(`/console/dead-letters/${id}/${action}`, {
        method: 'POST',
        headers: { cookie, 'x-csrf-token': csrf },
      });
    expect((await post(first!, 'replay')).status).toBe(409);
    heal();
    const replayed = await post(first!, 'replay');
    expect(replayed.status).toBe(200);
    // What ran is told, so the operator knows the letter was handled, not only removed.
    expect(await replayed.json()).toMatchObject({ ok: true, outcome: 'ran', handlers: 1 });
    expect((await post(second!, 'delete')).status).toBe(200);
    expect((await post(second!, 'delete')).status).toBe(404);
    expect(ran.filter((id) => id === second)).toHaveLength(1); // deleted, never run again
    const actions = logs.filter(
      (log) =>
        log.message?.startsWith('console: re') || log.message?.startsWith('console: deleted'),
    );
    expect(actions.map((log) => [log.message, log.object['id'], log.object['ip']])).toEqual([
      ['console: replay failed again', first, '203.0.113.7'],
      ['console: replayed a dead letter', first, '203.0.113.7'],
      ['console: deleted a dead letter', second, '203.0.113.7'],
      ['console: deleted a dead letter', second, '203.0.113.7'],
    ]);
  });

  it('masks payload values in the dashboard’s state too, and never shows a letter’s profile id there', async () => {
    const { signIn, call, deadLetter } = setUp();
    await deadLetter();
    const { cookie } = await signIn();
    const state = await (await call('/console/state.json', { headers: { cookie } })).text();
    expect(state).toContain('‹string›');
    expect(state).not.toContain('analyst@example.com');
    expect(state).not.toContain('profile-1');
    expect(state).not.toContain('profileId');
    const page = await (await call('/console/', { headers: { cookie } })).text();
    expect(page).not.toContain('profile-1');
  });

  it('says next to the replay button that newer webhooks for the profile superseded a letter, refuses its replay with a 409 saying why, and replays it anyway on its own CSRF-checked POST', async () => {
    const { signIn, call, deadLetter, webhooks, heal, ran, logs } = setUp();
    const [id] = await deadLetter();
    await new Promise((resolve) => setTimeout(resolve, 5));
    heal();
    // Two newer webhooks for the same profile (the kit's webhooks all name profile-1).
    const newer = batch(2, 5);
    await webhooks.handle({ method: 'POST', headers: bearer(), body: JSON.stringify(newer) });
    const { cookie, csrf } = await signIn();

    const state = await (await call('/console/state.json', { headers: { cookie } })).json();
    expect(state.deadLetters[0].superseded).toEqual({
      count: 2,
      webhooks: newer.map((webhook) => ({
        id: webhook.id,
        event: webhook.event,
        processedAt: expect.any(Number),
      })),
    });
    const fragment = await (await call('/console/fragment', { headers: { cookie } })).text();
    expect(fragment).toContain('Superseded by 2 newer webhooks for this profile');
    expect(fragment).toContain(newer[0]!.id);
    expect(fragment).toContain(`aria-label="Replay ${id} anyway"`);
    expect(fragment).toContain('aria-describedby="superseded-0"');
    expect(fragment).not.toContain('profile-1');
    const detail = await (
      await call(`/console/dead-letters/${id}`, { headers: { cookie } })
    ).json();
    expect(detail.superseded.count).toBe(2);
    expect(detail.profileId).toBeUndefined();
    const revealed = await (
      await call(`/console/dead-letters/${id}?reveal=1`, { headers: { cookie } })
    ).json();
    expect(revealed.profileId).toBe('profile-1');

    const replay = (query: string, headers: Record<string, string>) =>
      call(`/console/dead-letters/${id}/replay${query}`, {
        method: 'POST',
        headers: { cookie, ...headers },
      });
    const refused = await replay('', { 'x-csrf-token': csrf });
    expect(refused.status).toBe(409);
    const reason = await refused.json();
    expect(reason.error.code).toBe('DEAD_LETTER_SUPERSEDED');
    expect(reason.error.message).toMatch(
      /^2 newer webhooks for this profile were processed after it was set aside.* Nothing ran/,
    );
    expect(reason.error.message).not.toContain('profile-1');
    expect(reason.superseded.count).toBe(2);
    expect(ran.filter((ranId) => ranId === id)).toHaveLength(1);
    expect(await webhooks.deadLetters.get(id!)).toBeDefined();

    const anyway = '?ifSuperseded=run';
    expect((await replay('?ifSuperseded=always', { 'x-csrf-token': csrf })).status).toBe(400);
    expect((await replay(anyway, {})).status).toBe(403);
    expect((await replay(anyway, { 'x-csrf-token': `${csrf}x` })).status).toBe(403);
    expect(
      (await replay(anyway, { 'x-csrf-token': csrf, origin: 'http://evil.test' })).status,
    ).toBe(403);
    expect(ran.filter((ranId) => ranId === id)).toHaveLength(1);
    expect((await replay(anyway, { 'x-csrf-token': csrf, origin: ORIGIN })).status).toBe(200);
    expect(ran.filter((ranId) => ranId === id)).toHaveLength(2);
    expect(await webhooks.deadLetters.get(id!)).toBeUndefined();
    const actions = logs.filter((log) => log.message?.startsWith('console: replay'));
    expect(
      actions.map((log) => [log.message, log.object['ip'], log.object['ifSuperseded']]),
    ).toEqual([
      [
        'console: replay refused, newer webhooks for its profile were processed',
        '203.0.113.7',
        undefined,
      ],
      ['console: replayed a dead letter', '203.0.113.7', 'run'],
    ]);
  });

  it('shows no supersession for a letter nothing newer superseded', async () => {
    const { signIn, call, deadLetter } = setUp();
    await deadLetter();
    const { cookie } = await signIn();
    const fragment = await (await call('/console/fragment', { headers: { cookie } })).text();
    expect(fragment).not.toContain('Superseded by');
    expect(fragment).not.toContain('anyway');
  });

  it('caches nothing and frames nothing: every answer says so, and pages carry a strict CSP', async () => {
    const { call, signIn } = setUp();
    const { cookie } = await signIn();
    for (const res of [
      await call('/console/'),
      await call('/console/', { headers: { cookie } }),
      await call('/console/state.json', { headers: { cookie } }),
      await call('/console/state.json'),
      await call('/console/nothing-here', { headers: { cookie } }),
    ]) {
      expect(res.headers.get('cache-control')).toBe('no-store');
      expect(res.headers.get('x-frame-options')).toBe('DENY');
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    }
    const csp = (await call('/console/', { headers: { cookie } })).headers.get(
      'content-security-policy',
    )!;
    expect(csp).toMatch(
      /^default-src 'none'; script-src 'nonce-[\w-]+'; style-src 'nonce-[\w-]+';/,
    );
    expect(csp).toContain("frame-ancestors 'none'");
  });

  it('is never mistaken for a webhook: the console token opens no webhook route, and a webhook posted to the console runs nothing', async () => {
    const { webhooks, call, ran } = setUp();
    const asWebhook = await webhooks.handle({
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify(batch(1)),
    });
    expect(asWebhook.status).toBe(401);
    const toConsole = await call('/console/', {
      method: 'POST',
      headers: bearer(),
      body: JSON.stringify(batch(1)),
    });
    expect(toConsole.status).toBe(401);
    expect(ran).toEqual([]);
  });
});

describe('the console’s hardening', () => {
  const bearerFrom = (
    call: ReturnType<typeof setUp>['call'],
    token: string,
    ip: string,
    path = '/console/state.json',
  ) => call(path, { headers: { authorization: `Bearer ${token}` }, ip });

  it('counts wrong bearer tokens toward the sign-in limit, and then refuses the right one', async () => {
    const { call, signIn, logs } = setUp();
    const ip = '198.51.100.20';
    for (let i = 0; i < 5; i++) expect((await bearerFrom(call, `wrong-${i}`, ip)).status).toBe(401);
    expect(logs.filter((log) => log.message === 'console: wrong bearer token')).toHaveLength(5);
    const blocked = await bearerFrom(call, TOKEN, ip);
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
    // Nothing the console holds comes back in the refusal.
    expect(await blocked.text()).not.toContain('deadLetters');
    // Another address is not held up.
    expect((await bearerFrom(call, TOKEN, '198.51.100.21')).status).toBe(200);
    expect((await signIn('198.51.100.22')).res.status).toBe(303);
  });

  it('refuses a blocked address whatever it presents: bearer, sign-in, or a session', async () => {
    const { call, signIn } = setUp();
    const ip = '198.51.100.30';
    const { cookie } = await signIn(ip);
    // Wrong bearers and wrong sign-ins count together.
    for (let i = 0; i < 3; i++) await bearerFrom(call, 'wrong', ip);
    for (let i = 0; i < 2; i++) {
      await call('/console/sign-in', {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ token: 'wrong' }).toString(),
        ip,
      });
    }
    expect((await bearerFrom(call, TOKEN, ip)).status).toBe(429);
    expect((await call('/console/state.json', { headers: { cookie }, ip })).status).toBe(429);
    const page = await call('/console/', { ip });
    expect(page.status).toBe(429);
    expect(await page.text()).toContain('Too many failed attempts');
    const signInAgain = await call('/console/sign-in', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: TOKEN }).toString(),
      ip,
    });
    expect(signInAgain.status).toBe(429);
  });

  it('sends the CSP and the security headers with JSON and redirect answers, as with HTML', async () => {
    const { call, signIn } = setUp();
    const page = await call('/console/');
    const { cookie, csrf } = await signIn();
    const answers = [
      await call('/console/state.json', { headers: { cookie } }),
      await call('/console/state.json'),
      await call('/console/nowhere', { headers: { cookie } }),
      await call('/console/fragment'),
      await call('/console/sign-out', {
        method: 'POST',
        headers: { cookie, 'x-csrf-token': csrf, origin: ORIGIN },
      }),
    ];
    expect(answers.map((res) => res.status)).toEqual([200, 401, 404, 303, 303]);
    for (const res of answers) {
      for (const name of [
        'cache-control',
        'pragma',
        'x-content-type-options',
        'x-frame-options',
        'referrer-policy',
      ]) {
        expect(res.headers.get(name), name).toBe(page.headers.get(name));
      }
      const csp = res.headers.get('content-security-policy') ?? '';
      expect(csp).toContain("default-src 'none'");
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).toContain("base-uri 'none'");
    }
  });
});

describe('the Node bridge’s last-resort answer', () => {
  it('writes the security headers with its 500', async () => {
    const { consoleForNode } = await import('../node/console-for-node.js');
    const { webhooks } = setUp();
    const serve = consoleForNode(webhooks, { token: TOKEN, logger: false });
    let written: { status: number; headers: Record<string, string> } | undefined;
    const res = {
      headersSent: false,
      writeHead(status: number, headers: Record<string, string> = {}) {
        written = { status, headers };
        return res;
      },
      end() {
        return res;
      },
    };
    // A Host header no URL can hold: the Web Request cannot be built.
    const req = {
      url: '/console/',
      method: 'GET',
      headers: { host: 'not a host' },
      rawHeaders: ['Host', 'not a host'],
      socket: { remoteAddress: '203.0.113.7' },
    };
    await serve(req as never, res as never);
    expect(written?.status).toBe(500);
    expect(written?.headers['x-frame-options']).toBe('DENY');
    expect(written?.headers['cache-control']).toBe('no-store');
    expect(written?.headers['content-security-policy']).toContain("default-src 'none'");
  });
});
