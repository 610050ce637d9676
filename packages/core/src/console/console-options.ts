/**
 * The console's options, checked once when it is made: a short token, the webhook secret as the
 * token, or a path without a leading slash throws at start-up, never at the first request.
 * What every route needs afterwards travels as one `ConsoleContext`, so the routes can live in
 * files of their own without reaching back into the factory.
 */
import type { PassfortWebhooks } from '../create-passfort-webhooks.js';
import { ConfigurationError } from '../errors/configuration-error.js';
import { resolveLogger } from '../observability/console-logger.js';
import type { Logger } from '../observability/logger.js';
import {
  createRedactor,
  noRedaction,
  REDACT_SECRETS,
  type Redact,
} from '../observability/redact-secrets.js';
import { type KnownOptions, refuseUnknownOptions } from '../options/refuse-unknown-options.js';
import { MATCHES_WEBHOOK_SECRET } from '../receive/verify-secret.js';
import { ConsoleSessions } from './console-sessions.js';

/** The options it accepts: an unknown one is refused (see `refuseUnknownOptions`). */
const CONSOLE_OPTIONS = {
  token: true,
  path: true,
  logger: true,
  sessionTtlMs: true,
  secureCookie: true,
} as const satisfies KnownOptions<ConsoleOptions>;

/** Options of `createConsole`. */
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

const MAX_SIGN_IN_FAILURES = 5;
const SIGN_IN_WINDOW_MS = 15 * 60_000;

/** One console's checked options and state, shared by its routes. */
export interface ConsoleContext {
  readonly webhooks: PassfortWebhooks;
  readonly token: string;
  /** Where the console is mounted, without a trailing slash. */
  readonly path: string;
  readonly logger: Logger;
  /** Scrubs the receiver's webhook secrets and the console token out of failure text. */
  readonly redact: Redact;
  readonly sessions: ConsoleSessions;
  /** As given; undefined means "when the request URL is `https:`". */
  readonly secureCookie: boolean | undefined;
}

/** Checks `options` and fills in the defaults; throws a `ConfigurationError` on a bad one. */
export function resolveConsoleOptions(
  webhooks: PassfortWebhooks,
  options: ConsoleOptions,
): ConsoleContext {
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
  return { webhooks, token, path, logger, redact, sessions, secureCookie: options.secureCookie };
}
