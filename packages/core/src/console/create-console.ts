/**
 * The console's factory and its router: which route a request is, and the gates every route
 * passes in order (its own path, same origin for a POST, the sign-in rate limit, a credential,
 * the method, the CSRF token). The routes themselves live beside it, one concern a file:
 * options (`console-options.ts`), who the operator is (`console-authentication.ts`), what is
 * shown (`console-view.ts`), the dead-letter actions (`dead-letter-routes.ts`) and the answers
 * with their security headers (`console-responses.ts`).
 */
import type { PassfortWebhooks } from '../create-passfort-webhooks.js';
import { describeError } from '../observability/logger.js';
import {
  authenticate,
  csrfRefused,
  refuseIfBlocked,
  signIn,
  signOut,
} from './console-authentication.js';
import { type ConsoleOptions, resolveConsoleOptions } from './console-options.js';
import { dashboardMain, dashboardPage, signInPage } from './console-page.js';
import { html, json, methodNotAllowed, redirect } from './console-responses.js';
import { currentView } from './console-view.js';
import { deleteDeadLetter, inspectDeadLetter, replayDeadLetter } from './dead-letter-routes.js';

/** What the adapters know of the request beyond the Web `Request`. */
export interface ConsoleRequestInfo {
  /** The operator's address, for the log and the sign-in rate limit. */
  ip?: string | undefined;
}

/** The console as a Web-standard handler: `Request` in, `Response` out. */
export type ConsoleHandler = (request: Request, info?: ConsoleRequestInfo) => Promise<Response>;

/**
 * The operator console of a receiver: its status as Passfort's own status page shows it, counts
 * and ack latency since start-up, recent failures, and the dead letters with inspect, replay and
 * delete. A dead letter that newer webhooks for its profile superseded says so next to its
 * replay button (their ids, events and times; never payload values); its replay is refused
 * (409), and "Replay anyway" runs it with `ifSuperseded: 'run'`. Off unless mounted; every request needs the console token (a bearer header, or a
 * sign-in setting an HttpOnly, SameSite=Strict cookie); actions that change state are POSTs
 * with a CSRF token; sign-in is rate-limited per address; nothing is cached; every action is
 * logged with the operator's address. Runtime-neutral, like the main entry.
 *
 * @example
 * const console = createConsole(webhooks, { token: process.env.PASSFORT_CONSOLE_TOKEN!, path: '/console' });
 * // Hono: app.all('/console/*', (c) => console(c.req.raw))
 * // Express: app.use(passfortConsole(webhooks, { token, path: '/console' })) from @passfort-webhooks/express
 */
export function createConsole(webhooks: PassfortWebhooks, options: ConsoleOptions): ConsoleHandler {
  const context = resolveConsoleOptions(webhooks, options);
  const { logger, path, redact, sessions } = context;

  return async function consoleHandler(request, info = {}) {
    const url = new URL(request.url);
    const ip = info.ip ?? 'unknown';
    if (url.pathname !== path && !url.pathname.startsWith(`${path}/`)) {
      return json(404, { error: { code: 'NOT_FOUND', message: 'Not a console path' } });
    }
    const route = url.pathname.slice(path.length) || '/';
    const method = request.method.toUpperCase();
    try {
      // A cross-site form or fetch cannot post here: browsers send Origin on POST.
      const origin = request.headers.get('origin');
      if (method === 'POST' && origin !== null && origin !== url.origin) {
        logger.warn?.({ ip, route }, 'console: refused a cross-origin POST');
        return json(403, { error: { code: 'FORBIDDEN', message: 'Cross-origin request' } });
      }
      if (route === '/sign-in') {
        if (method !== 'POST') return methodNotAllowed('POST');
        return await signIn(context, request, url, ip);
      }
      const blocked = refuseIfBlocked(context, ip, route, method);
      if (blocked !== undefined) return blocked;
      const auth = await authenticate(context, request);
      if (auth === 'wrong') {
        // A wrong bearer is a guess like a wrong sign-in: it counts toward the same limit.
        sessions.recordFailure(ip);
        logger.warn?.({ ip, route }, 'console: wrong bearer token');
        return json(401, {
          error: { code: 'UNAUTHORIZED', message: 'That is not the console token' },
        });
      }
      if (auth === undefined) {
        if (method === 'GET' && route === '/') {
          return html(200, (nonce) => signInPage(path, nonce));
        }
        if (method === 'GET' && route === '/fragment') return redirect(`${path}/`);
        return json(401, {
          error: {
            code: 'UNAUTHORIZED',
            message: 'Sign in, or send the console token as a bearer',
          },
        });
      }
      if (route === '/sign-out') {
        if (method !== 'POST') return methodNotAllowed('POST');
        return await signOut(context, request, url, ip, route, auth.session);
      }
      if (route === '/' || route === '/fragment' || route === '/state.json') {
        if (method !== 'GET') return methodNotAllowed('GET');
        const view = await currentView(context);
        if (route === '/state.json') return json(200, view);
        if (route === '/fragment') return html(200, () => dashboardMain(view));
        return html(200, (nonce) => dashboardPage(path, nonce, auth.session?.csrf ?? '', view));
      }
      const letter = /^\/dead-letters\/([^/]+)(?:\/(replay|delete))?$/.exec(route);
      if (letter !== null) {
        const id = decodeURIComponent(letter[1]!);
        const action = letter[2];
        if (action === undefined) {
          if (method !== 'GET') return methodNotAllowed('GET');
          return await inspectDeadLetter(context, url, ip, id);
        }
        if (method !== 'POST') return methodNotAllowed('POST');
        if (
          auth.session !== undefined &&
          !(await sessions.checkCsrf(auth.session, request.headers.get('x-csrf-token')))
        ) {
          return csrfRefused(context, ip, route);
        }
        if (action === 'delete') return await deleteDeadLetter(context, ip, id);
        return await replayDeadLetter(context, url, ip, id);
      }
      return json(404, { error: { code: 'NOT_FOUND', message: 'No such console page' } });
    } catch (error) {
      logger.error?.({ ip, route, error: describeError(error, redact) }, 'console: request failed');
      return json(500, {
        error: { code: 'INTERNAL_ERROR', message: 'The console could not answer' },
      });
    }
  };
}
