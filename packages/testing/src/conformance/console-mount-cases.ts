import type { PassfortWebhooks } from '@passfort-webhooks/core';
import { createPassfortWebhooks } from '@passfort-webhooks/core';
import type { StartedServer } from './adapter/adapter-target.js';
import { type ConformanceCase, expectEqual, expectMatch, expectTrue } from './conformance-case.js';
import { httpRequest } from './http-request.js';
import {
  KIT_OTHER_SECRET,
  KIT_SECRET,
  kitHeaders,
  kitWebhook,
  kitWebhookId,
} from './kit-webhooks.js';

/** The console token the kit mounts the console with. */
export const KIT_CONSOLE_TOKEN = 'kit-console-token-5b0e2f9a7c3d41e8a6';

/** A framework's console mount, as the console kit drives it. */
export interface ConsoleMountTarget {
  /**
   * Starts an app that mounts the console of `receiver` at `/console` with `token` (as the
   * adapter's README shows), the receiver's webhook route at `/webhooks/passfort`, and answers
   * `GET /health` with `200 ok` itself.
   */
  start(receiver: PassfortWebhooks, token: string): Promise<StartedServer>;
}

/**
 * What a console mount must do, over real HTTP: the sign-in page for a visitor without the
 * token, the state for the bearer, a session cookie that opens the dashboard, no state change
 * without the CSRF token, no part of a webhook secret a handler's error quoted in any answer,
 * payload values masked until revealed, wrong bearer tokens rate-limited, and the app's other
 * routes and the webhook route untouched.
 *
 * @example
 * for (const check of consoleMountCases({ start: (receiver, token) => startMyApp(receiver, token) }))
 *   it(check.name, check.run);
 */
export function consoleMountCases(target: ConsoleMountTarget): ConformanceCase[] {
  const c = (
    name: string,
    body: (url: string, receiver: PassfortWebhooks) => Promise<void>,
    failure = 'always fails, so the kit has a dead letter',
  ): ConformanceCase => ({
    name,
    async run() {
      const receiver = createPassfortWebhooks({
        // The rotated secret too: both must stay out of every answer.
        secret: [KIT_SECRET, KIT_OTHER_SECRET],
        maxAttempts: 1,
        logger: false,
      });
      receiver.onAny(() => {
        throw new Error(failure);
      });
      const server = await target.start(receiver, KIT_CONSOLE_TOKEN);
      try {
        await body(server.url, receiver);
      } finally {
        await server.close();
        await receiver.close();
      }
    },
  });
  return [
    c(
      'shows the sign-in page without the token, under a strict CSP, cached nowhere',
      async (url) => {
        const res = await httpRequest(`${url}/console/`, { method: 'GET' });
        expectEqual(res.status, 200, 'status');
        expectTrue(res.text.includes('Console token'), 'the sign-in form');
        expectMatch(
          res.headers,
          {
            'cache-control': 'no-store',
            'content-security-policy': (value: unknown) =>
              String(value).startsWith("default-src 'none'"),
          },
          'headers',
        );
        expectEqual(
          (await httpRequest(`${url}/console/state.json`, { method: 'GET' })).status,
          401,
          'state without the token',
        );
      },
    ),
    c(
      'answers the bearer, signs in with a cookie, and refuses a POST without the CSRF token',
      async (url, receiver) => {
        await receiver.handle({
          method: 'POST',
          headers: kitHeaders(),
          body: JSON.stringify(kitWebhook(kitWebhookId(1))),
        });
        const state = await httpRequest(`${url}/console/state.json`, {
          method: 'GET',
          headers: { authorization: `Bearer ${KIT_CONSOLE_TOKEN}` },
        });
        expectEqual(state.status, 200, 'state with the bearer');
        expectMatch(state.json, { status: { deadLetters: 1 } }, 'the receiver’s state');
        const signIn = await httpRequest(`${url}/console/sign-in`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ token: KIT_CONSOLE_TOKEN }).toString(),
        });
        expectEqual(signIn.status, 303, 'sign-in redirects');
        const cookie = String(signIn.headers['set-cookie']).split(';')[0]!;
        expectTrue(
          /HttpOnly; SameSite=Strict/.test(String(signIn.headers['set-cookie'])),
          'an HttpOnly, SameSite=Strict cookie',
        );
        const page = await httpRequest(`${url}/console/`, { method: 'GET', headers: { cookie } });
        expectTrue(page.text.includes('csrf-token'), 'the dashboard, with its CSRF token');
        const replay = await httpRequest(`${url}/console/dead-letters/${kitWebhookId(1)}/replay`, {
          method: 'POST',
          headers: { cookie },
        });
        expectEqual(replay.status, 403, 'a POST without the CSRF token');
        expectEqual(
          (await receiver.deadLetters.list()).length,
          1,
          'the dead letter is still there',
        );
      },
    ),
    c(
      'shows no part of a webhook secret that a handler’s error quoted, in any answer',
      async (url) => {
        const id = kitWebhookId(3);
        const sent = await httpRequest(`${url}/webhooks/passfort`, {
          method: 'POST',
          headers: kitHeaders(),
          body: JSON.stringify(kitWebhook(id)),
        });
        expectEqual(sent.status, 200, 'the webhook is dead-lettered and acked');
        const bearer = { authorization: `Bearer ${KIT_CONSOLE_TOKEN}` };
        const answers = {
          dashboard: await httpRequest(`${url}/console/`, { method: 'GET', headers: bearer }),
          fragment: await httpRequest(`${url}/console/fragment`, {
            method: 'GET',
            headers: bearer,
          }),
          state: await httpRequest(`${url}/console/state.json`, { method: 'GET', headers: bearer }),
          inspect: await httpRequest(`${url}/console/dead-letters/${id}`, {
            method: 'GET',
            headers: bearer,
          }),
          reveal: await httpRequest(`${url}/console/dead-letters/${id}?reveal=1`, {
            method: 'GET',
            headers: bearer,
          }),
          replay: await httpRequest(`${url}/console/dead-letters/${id}/replay`, {
            method: 'POST',
            headers: bearer,
          }),
        };
        expectEqual(answers.replay.status, 409, 'the replay fails again');
        expectTrue(answers.state.text.includes('[redacted]'), 'the failure text, redacted');
        for (const [name, answer] of Object.entries(answers)) {
          const text = `${JSON.stringify(answer.headers)}${answer.text}`;
          for (const piece of piecesOf(KIT_SECRET, KIT_OTHER_SECRET)) {
            expectTrue(!text.includes(piece), `${name} shows no "${piece}"`);
          }
        }
      },
      // Whole, and the rotated one cut at a length limit at the end of the message.
      `CRM answered 401 to Authorization: Bearer ${KIT_SECRET}; retried with ${KIT_OTHER_SECRET.slice(0, 12)}`,
    ),
    c('masks payload values in every answer until one dead letter is revealed', async (url) => {
      const id = kitWebhookId(4);
      await httpRequest(`${url}/webhooks/passfort`, {
        method: 'POST',
        headers: kitHeaders(),
        body: JSON.stringify(kitWebhook(id)),
      });
      const get = (path: string) =>
        httpRequest(`${url}/console${path}`, {
          method: 'GET',
          headers: { authorization: `Bearer ${KIT_CONSOLE_TOKEN}` },
        });
      const values = ['analyst@example.com', 'An Analyst', 'profile-1', 'cust-1', `app-${id}`];
      for (const path of ['/', '/fragment', '/state.json', `/dead-letters/${id}`]) {
        const answer = await get(path);
        expectEqual(answer.status, 200, `${path} answers`);
        for (const value of values) {
          expectTrue(!answer.text.includes(value), `${path} masks "${value}"`);
        }
      }
      const revealed = await get(`/dead-letters/${id}?reveal=1`);
      expectTrue(revealed.text.includes('analyst@example.com'), 'the revealed letter shows it');
    }),
    c(
      'counts wrong bearer tokens toward the sign-in limit, and then refuses the right one',
      async (url) => {
        const state = (token: string) =>
          httpRequest(`${url}/console/state.json`, {
            method: 'GET',
            headers: { authorization: `Bearer ${token}` },
          });
        for (let i = 0; i < 5; i++) {
          expectEqual((await state(`wrong-token-${i}`)).status, 401, `wrong bearer ${i + 1}`);
        }
        const blocked = await state(KIT_CONSOLE_TOKEN);
        expectEqual(blocked.status, 429, 'the right bearer, from a blocked address');
        expectMatch(
          blocked.headers,
          {
            'cache-control': 'no-store',
            'x-frame-options': 'DENY',
            'content-security-policy': (value: unknown) =>
              String(value).startsWith("default-src 'none'"),
          },
          'a JSON answer’s headers',
        );
      },
    ),
    c('leaves the app’s other routes and the webhook route as they were', async (url) => {
      const health = await httpRequest(`${url}/health`, { method: 'GET' });
      expectEqual(health.text, 'ok', 'the app’s own route');
      const webhook = await httpRequest(`${url}/webhooks/passfort`, {
        method: 'POST',
        headers: kitHeaders(),
        body: JSON.stringify(kitWebhook(kitWebhookId(2))),
      });
      expectEqual(webhook.status, 200, 'the webhook route (dead-lettered and acked)');
    }),
  ];
}

/** Every 8-character piece of the secrets: a secret cut short must not show either. */
function piecesOf(...secrets: string[]): string[] {
  const pieces: string[] = [];
  for (const secret of secrets) {
    for (let i = 0; i + 8 <= secret.length; i++) pieces.push(secret.slice(i, i + 8));
  }
  return pieces;
}
