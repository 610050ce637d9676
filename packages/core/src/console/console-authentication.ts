/**
 * Who the operator is, and the guards around it: the bearer token or the session cookie, the
 * sign-in form and its rate limit per address, sign-out, and the CSRF token that every POST of
 * a signed-in browser carries. Kept together because they share one cookie and one failure
 * count: a wrong bearer is a guess like a wrong sign-in.
 */
import { constantTimeEqual } from '../receive/constant-time-equal.js';
import { readBody } from '../receive/read-body.js';
import type { ConsoleContext } from './console-options.js';
import { signInPage } from './console-page.js';
import { html, json, redirect } from './console-responses.js';
import type { ConsoleSession } from './console-sessions.js';

const COOKIE = 'pfw_console';
const MAX_FORM_BYTES = 4096;
const TOO_MANY = 'Too many failed attempts: try again later.';

/**
 * The operator's credential: `{}` for the bearer token, `{ session }` for a signed-in browser,
 * `'wrong'` for a bearer (or any `Authorization`) that is not the token, undefined when no
 * credential was presented or the session is gone.
 */
export type OperatorAuth = { session?: ConsoleSession } | 'wrong' | undefined;

export async function authenticate(
  { sessions, token }: ConsoleContext,
  request: Request,
): Promise<OperatorAuth> {
  const authorization = request.headers.get('authorization');
  if (authorization !== null) {
    const match = /^Bearer ([^\s]+)$/i.exec(authorization.trim());
    return match !== null && constantTimeEqual(match[1]!, token) ? {} : 'wrong';
  }
  const session = sessions.find(readCookie(request.headers.get('cookie')));
  return session === undefined ? undefined : { session };
}

/**
 * A 429 for an address that guessed too often, whatever it presents, the right bearer or a
 * session included: otherwise the limit only slows down the sign-in form. Undefined when the
 * address may go on.
 */
export function refuseIfBlocked(
  { logger, path, sessions }: ConsoleContext,
  ip: string,
  route: string,
  method: string,
): Response | undefined {
  const waitMs = sessions.blockedFor(ip);
  if (waitMs <= 0) return undefined;
  logger.warn?.({ ip, route }, 'console: refused, too many failed attempts');
  const retryAfter = { 'retry-after': String(Math.ceil(waitMs / 1000)) };
  if (method === 'GET' && route === '/') {
    return html(429, (nonce) => signInPage(path, nonce, TOO_MANY), retryAfter);
  }
  return json(429, { error: { code: 'TOO_MANY_ATTEMPTS', message: TOO_MANY } }, retryAfter);
}

/** The sign-in form's POST: a session cookie for the right token, a counted failure otherwise. */
export async function signIn(
  context: ConsoleContext,
  request: Request,
  url: URL,
  ip: string,
): Promise<Response> {
  const { logger, path, sessions, token } = context;
  const waitMs = sessions.blockedFor(ip);
  if (waitMs > 0) {
    logger.warn?.({ ip }, 'console: sign-in refused, too many failed attempts');
    return html(429, (nonce) => signInPage(path, nonce, TOO_MANY), {
      'retry-after': String(Math.ceil(waitMs / 1000)),
    });
  }
  const form = await readForm(request);
  const presented = form.get('token') ?? '';
  if (!constantTimeEqual(presented, token)) {
    sessions.recordFailure(ip);
    logger.warn?.({ ip }, 'console: sign-in failed');
    return html(401, (nonce) => signInPage(path, nonce, 'That is not the console token.'));
  }
  sessions.clearFailures(ip);
  const session = sessions.open();
  logger.info?.({ ip }, 'console: signed in');
  const secure = context.secureCookie ?? url.protocol === 'https:';
  const cookie = `${COOKIE}=${session.id}; Path=${path}; HttpOnly; SameSite=Strict; Max-Age=${Math.floor((session.expiresAt - Date.now()) / 1000)}${secure ? '; Secure' : ''}`;
  return redirect(`${path}/`, cookie);
}

/** Ends a browser's session (its form carries the CSRF token); a bearer has none to end. */
export async function signOut(
  context: ConsoleContext,
  request: Request,
  url: URL,
  ip: string,
  route: string,
  session: ConsoleSession | undefined,
): Promise<Response> {
  const { logger, path, sessions } = context;
  if (session !== undefined) {
    const form = await readForm(request);
    if (
      !(await sessions.checkCsrf(session, form.get('csrf') ?? request.headers.get('x-csrf-token')))
    ) {
      return csrfRefused(context, ip, route);
    }
    sessions.close(session.id);
  }
  logger.info?.({ ip }, 'console: signed out');
  const secure = context.secureCookie ?? url.protocol === 'https:';
  return redirect(
    `${path}/`,
    `${COOKIE}=; Path=${path}; HttpOnly; SameSite=Strict; Max-Age=0${secure ? '; Secure' : ''}`,
  );
}

export function csrfRefused({ logger }: ConsoleContext, ip: string, route: string): Response {
  logger.warn?.({ ip, route }, 'console: refused a POST without a valid CSRF token');
  return json(403, {
    error: { code: 'CSRF', message: 'Missing or wrong CSRF token: reload the page' },
  });
}

function readCookie(header: string | null): string | undefined {
  if (header === null) return undefined;
  for (const part of header.split(';')) {
    const [name, ...value] = part.trim().split('=');
    if (name === COOKIE) return value.join('=');
  }
  return undefined;
}

/** A small urlencoded form (the sign-in and sign-out forms); a larger body is not read on. */
async function readForm(request: Request): Promise<URLSearchParams> {
  const type = request.headers.get('content-type') ?? '';
  if (!type.startsWith('application/x-www-form-urlencoded') || request.body === null) {
    return new URLSearchParams();
  }
  // The receiver's own bounded reader: it stops reading once the bound is passed.
  const read = await readBody(request.body, MAX_FORM_BYTES).catch(() => undefined);
  if (read?.kind !== 'bytes') return new URLSearchParams();
  return new URLSearchParams(new TextDecoder().decode(read.bytes));
}
