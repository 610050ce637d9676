import type { PassfortWebhooks } from '../create-passfort-webhooks.js';
import type { ReplayResult } from '../delivery/replay/dead-letters.js';
import { ConfigurationError } from '../errors/configuration-error.js';
import { DeadLetterNotFoundError } from '../errors/dead-letter-not-found-error.js';
import { DeadLetterNotReplayableError } from '../errors/dead-letter-not-replayable-error.js';
import { DeadLetterSupersededError } from '../errors/dead-letter-superseded-error.js';
import { HandlerError } from '../errors/handler-error.js';
import { WebhookBusyError } from '../errors/webhook-busy-error.js';
import { resolveLogger } from '../observability/console-logger.js';
import { describeError, type Logger } from '../observability/logger.js';
import {
  createRedactor,
  noRedaction,
  REDACT_SECRETS,
  type Redact,
} from '../observability/redact-secrets.js';
import { type KnownOptions, refuseUnknownOptions } from '../options/refuse-unknown-options.js';
import { constantTimeEqual } from '../receive/constant-time-equal.js';
import { readBody } from '../receive/read-body.js';
import { MATCHES_WEBHOOK_SECRET } from '../receive/verify-secret.js';
import type { DeadLetter, ProcessedSince } from '../stores/dedupe-store.js';
import {
  type ConsoleDeadLetter,
  type ConsoleView,
  dashboardMain,
  dashboardPage,
  signInPage,
  supersededText,
} from './console-page.js';
import { CONSOLE_SECURITY_HEADERS } from './console-security-headers.js';
import { type ConsoleSession, ConsoleSessions } from './console-sessions.js';
import { maskedWebhook } from './masked-webhook.js';
import { randomToken } from './random-token.js';

/** The options it accepts: an unknown one is refused (see `refuseUnknownOptions`). */
const CONSOLE_OPTIONS = {
  token: true,
  path: true,
  logger: true,
  sessionTtlMs: true,
  secureCookie: true,
} as const satisfies KnownOptions<ConsoleOptions>;

/** Options of {@link createConsole}. */
export interface ConsoleOptions {
  /**
   * The operators' credential: sent as `Authorization: Bearer <token>`, or typed into the
   * sign-in form. At least 32 characters, and never the webhook secret.
   * @example process.env.PASSFORT_CONSOLE_TOKEN
   */
  token: string;
  /** Where the console is mounted: it answers under this path only. @default '/console' */
  path?: string;
  /**
   * Where every operator action is logged, with the operator's address (sign-in and its
   * failures, sign-out, reveal, replay, delete). @default warnings and errors to the console
   */
  logger?: Logger | false;
  /** How long a sign-in lasts. @default 8 hours */
  sessionTtlMs?: number;
  /**
   * Mark the session cookie `Secure`. @default true when the request URL is `https:`, which
   * behind a TLS-terminating proxy it may not be: then set it.
   */
  secureCookie?: boolean;
}

/** What the adapters know of the request beyond the Web `Request`. */
export interface ConsoleRequestInfo {
  /** The operator's address, for the log and the sign-in rate limit. */
  ip?: string | undefined;
}

/** The console as a Web-standard handler: `Request` in, `Response` out. */
export type ConsoleHandler = (request: Request, info?: ConsoleRequestInfo) => Promise<Response>;

const COOKIE = 'pfw_console';
const MAX_SIGN_IN_FAILURES = 5;
const SIGN_IN_WINDOW_MS = 15 * 60_000;
const MAX_FORM_BYTES = 4096;
const TOO_MANY = 'Too many failed attempts: try again later.';

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
  refuseUnknownOptions('createConsole', options, CONSOLE_OPTIONS);
  const token = options?.token;
  if (typeof token !== 'string' || token.length < 32) {
    throw new ConfigurationError(
      'createConsole needs a token of at least 32 characters (e.g. `openssl rand -base64 32`)',
    );
  }
  const matchesSecret = (
    webhooks as unknown as Record<symbol, ((value: string) => boolean) | undefined>
  )[MATCHES_WEBHOOK_SECRET];
  if (matchesSecret?.(token) === true) {
    throw new ConfigurationError(
      'The console token must not be the webhook secret: whoever holds the secret (Passfort) would also hold the console',
    );
  }
  const path = (options.path ?? '/console').replace(/\/+$/, '');
  if (!path.startsWith('/')) throw new ConfigurationError('The console path must start with /');
  const logger = resolveLogger(options.logger);
  // The receiver's webhook secrets and this console's token: failure text is scrubbed of them
  // at the source, and again here for letters kept before that (and for the token).
  const receiverRedact =
    (webhooks as unknown as Record<symbol, Redact | undefined>)[REDACT_SECRETS] ?? noRedaction;
  const tokenRedact = createRedactor([token]);
  const redact: Redact = (text) => tokenRedact(receiverRedact(text));
  const sessions = new ConsoleSessions(
    options.sessionTtlMs ?? 8 * 60 * 60_000,
    MAX_SIGN_IN_FAILURES,
    SIGN_IN_WINDOW_MS,
  );

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
        return await signIn(request, url, ip);
      }
      // An address that guessed too often is refused whatever it presents, the right bearer
      // or a session included: otherwise the limit only slows down the sign-in form.
      const waitMs = sessions.blockedFor(ip);
      if (waitMs > 0) {
        logger.warn?.({ ip, route }, 'console: refused, too many failed attempts');
        const retryAfter = { 'retry-after': String(Math.ceil(waitMs / 1000)) };
        if (method === 'GET' && route === '/') {
          return html(429, (nonce) => signInPage(path, nonce, TOO_MANY), retryAfter);
        }
        return json(429, { error: { code: 'TOO_MANY_ATTEMPTS', message: TOO_MANY } }, retryAfter);
      }
      const auth = await authenticate(request);
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
        if (auth.session !== undefined) {
          const form = await readForm(request);
          if (
            !(await sessions.checkCsrf(
              auth.session,
              form.get('csrf') ?? request.headers.get('x-csrf-token'),
            ))
          ) {
            return csrfRefused(ip, route);
          }
          sessions.close(auth.session.id);
        }
        logger.info?.({ ip }, 'console: signed out');
        return redirect(`${path}/`, clearCookie(url));
      }
      if (route === '/' || route === '/fragment' || route === '/state.json') {
        if (method !== 'GET') return methodNotAllowed('GET');
        const view = await currentView();
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
          const found = await webhooks.deadLetters.get(id);
          if (found === undefined) return notFound(id);
          const reveal = url.searchParams.get('reveal') === '1';
          if (reveal) logger.info?.({ ip, id }, 'console: revealed a dead letter’s payload');
          const shown = await shownLetter(found, reveal);
          // The profile id is a payload value: shown only with the rest of them.
          return json(
            200,
            reveal && found.profileId !== undefined
              ? { ...shown, profileId: found.profileId }
              : shown,
          );
        }
        if (method !== 'POST') return methodNotAllowed('POST');
        if (
          auth.session !== undefined &&
          !(await sessions.checkCsrf(auth.session, request.headers.get('x-csrf-token')))
        ) {
          return csrfRefused(ip, route);
        }
        if (action === 'delete') {
          const deleted = await webhooks.deadLetters.delete(id);
          logger.info?.({ ip, id, deleted }, 'console: deleted a dead letter');
          return deleted ? json(200, { ok: true }) : notFound(id);
        }
        // The replay button runs only what nothing superseded; "Replay anyway" is its own POST,
        // `?ifSuperseded=run`, behind the same CSRF check.
        const ifSuperseded = url.searchParams.get('ifSuperseded') ?? 'skip';
        if (ifSuperseded !== 'skip' && ifSuperseded !== 'run') {
          return json(400, {
            error: { code: 'INVALID_REQUEST', message: 'ifSuperseded is skip or run' },
          });
        }
        let replayed: ReplayResult;
        try {
          replayed = await webhooks.deadLetters.replay(id, { ifSuperseded });
        } catch (error) {
          if (DeadLetterNotFoundError.is(error)) return notFound(id);
          if (DeadLetterNotReplayableError.is(error) || WebhookBusyError.is(error)) {
            // Nothing ran and the letter stays: why (no handler would run, or another replay of
            // it is running) is the operator's to know. Neither message holds a payload value.
            logger.warn?.(
              { ip, id, code: (error as WebhookBusyError).code },
              'console: replay refused',
            );
            return json(409, {
              error: { code: (error as WebhookBusyError).code, message: (error as Error).message },
            });
          }
          if (DeadLetterSupersededError.is(error)) {
            const { supersededCount: count, supersededBy } = error as DeadLetterSupersededError;
            logger.warn?.(
              { ip, id, supersededCount: count },
              'console: replay refused, newer webhooks for its profile were processed',
            );
            // Not the error's own message: it names the profile, a payload value.
            return json(409, {
              error: {
                code: 'DEAD_LETTER_SUPERSEDED',
                message: `${supersededText(count)} for this profile ${count === 1 ? 'was' : 'were'} processed after it was set aside, and running it could roll their state back. Nothing ran and it stays; use Replay anyway to run it (its handlers see ctx.replay), or delete it.`,
              },
              superseded: { count, webhooks: supersededBy },
            });
          }
          if (!HandlerError.is(error)) throw error;
          logger.warn?.(
            { ip, id, error: describeError(error, redact) },
            'console: replay failed again',
          );
          return json(409, {
            error: {
              code: 'REPLAY_FAILED',
              message: `The handlers failed again: ${redact((error as Error).message)}`,
            },
          });
        }
        logger.info?.({ ip, id, ifSuperseded, ...replayed }, 'console: replayed a dead letter');
        return json(200, { ok: true, ...replayed });
      }
      return json(404, { error: { code: 'NOT_FOUND', message: 'No such console page' } });
    } catch (error) {
      logger.error?.({ ip, route, error: describeError(error, redact) }, 'console: request failed');
      return json(500, {
        error: { code: 'INTERNAL_ERROR', message: 'The console could not answer' },
      });
    }
  };

  /**
   * The bearer token, or the session cookie; `'wrong'` for a bearer (or any `Authorization`)
   * that is not the token, undefined when no credential was presented or the session is gone.
   */
  async function authenticate(
    request: Request,
  ): Promise<{ session?: ConsoleSession } | 'wrong' | undefined> {
    const authorization = request.headers.get('authorization');
    if (authorization !== null) {
      const match = /^Bearer ([^\s]+)$/i.exec(authorization.trim());
      return match !== null && constantTimeEqual(match[1]!, token) ? {} : 'wrong';
    }
    const session = sessions.find(readCookie(request.headers.get('cookie')));
    return session === undefined ? undefined : { session };
  }

  async function signIn(request: Request, url: URL, ip: string): Promise<Response> {
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
    const secure = options.secureCookie ?? url.protocol === 'https:';
    const cookie = `${COOKIE}=${session.id}; Path=${path}; HttpOnly; SameSite=Strict; Max-Age=${Math.floor((session.expiresAt - Date.now()) / 1000)}${secure ? '; Secure' : ''}`;
    return redirect(`${path}/`, cookie);
  }

  function csrfRefused(ip: string, route: string): Response {
    logger.warn?.({ ip, route }, 'console: refused a POST without a valid CSRF token');
    return json(403, {
      error: { code: 'CSRF', message: 'Missing or wrong CSRF token: reload the page' },
    });
  }

  function clearCookie(url: URL): string {
    const secure = options.secureCookie ?? url.protocol === 'https:';
    return `${COOKIE}=; Path=${path}; HttpOnly; SameSite=Strict; Max-Age=0${secure ? '; Secure' : ''}`;
  }

  async function currentView(): Promise<ConsoleView> {
    const [status, letters] = await Promise.all([
      webhooks.status(),
      webhooks.deadLetters.list({ limit: 100 }),
    ]);
    const deadLetters = await Promise.all(letters.map((letter) => shownLetter(letter, false)));
    const recentFailures = status.recentFailures.map((failure) => ({
      ...failure,
      error: redact(failure.error),
    }));
    return { status: { ...status, recentFailures }, deadLetters, now: Date.now() };
  }

  /**
   * A dead letter as the console answers it: values masked unless revealed, never its
   * profile id (a payload value), and what superseded it. A store that cannot say leaves
   * `superseded` out rather than failing the page: the replay still checks.
   */
  async function shownLetter(letter: DeadLetter, reveal: boolean): Promise<ConsoleDeadLetter> {
    const { profileId: _, webhook, ...rest } = letter;
    let superseded: ProcessedSince | undefined;
    try {
      superseded = await webhooks.deadLetters.supersededBy(letter);
    } catch (error) {
      logger.warn?.(
        { id: letter.id, error: describeError(error, redact) },
        'console: could not tell whether a dead letter was superseded',
      );
    }
    return {
      ...rest,
      error: redact(rest.error),
      webhook: maskedWebhook(webhook, reveal),
      ...(superseded === undefined ? {} : { superseded }),
    };
  }
}

function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: {
      ...CONSOLE_SECURITY_HEADERS,
      'content-type': 'application/json; charset=utf-8',
      ...headers,
    },
  });
}

function html(
  status: number,
  render: (nonce: string) => string,
  headers: Record<string, string> = {},
): Response {
  const nonce = randomToken(16);
  return new Response(render(nonce), {
    status,
    headers: {
      ...CONSOLE_SECURITY_HEADERS,
      'content-type': 'text/html; charset=utf-8',
      'content-security-policy': `default-src 'none'; script-src 'nonce-${nonce}'; style-src 'nonce-${nonce}'; connect-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'`,
      ...headers,
    },
  });
}

function redirect(location: string, cookie?: string): Response {
  const headers: Record<string, string> = { ...CONSOLE_SECURITY_HEADERS, location };
  if (cookie !== undefined) headers['set-cookie'] = cookie;
  return new Response(null, { status: 303, headers });
}

function methodNotAllowed(allow: string): Response {
  return json(405, { error: { code: 'METHOD_NOT_ALLOWED', message: `Use ${allow}` } }, { allow });
}

function notFound(id: string): Response {
  return json(404, { error: { code: 'DEAD_LETTER_NOT_FOUND', message: `No dead letter ${id}` } });
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
