/**
 * Scrubs the secrets this library knows from the failure texts it keeps or shows. A handler's
 * error can quote a secret (an HTTP client error that prints the `Authorization` header it
 * sent is enough), and from there it would reach dead letters, `status()`, logs and the
 * console. Redacting where the text is first kept means no reader downstream has to.
 *
 * Partial occurrences count too: a log pipeline or a message builder that cuts text at a
 * length limit leaves a secret's prefix at the end of a line (or its suffix at the start of
 * the next), and any long enough piece of a secret helps whoever guesses the rest.
 */

/** Replaces every known secret, whole or in part, in `text` with `[redacted]`. */
export type Redact = (text: string) => string;

/**
 * Where a receiver keeps its redaction function, not enumerable and not public: the console
 * finds it there, so it scrubs the webhook secrets without ever holding them.
 */
export const REDACT_SECRETS: unique symbol = Symbol('passfort-webhooks.redact-secrets');

/** What takes a secret's place. */
export const REDACTED = '[redacted]';

/** No secrets known (a worker created without `secret`): text passes unchanged. */
export const noRedaction: Redact = (text) => text;

/**
 * Secrets shorter than this are not redacted: replacing every `s` of a test secret `'s'`
 * would make every text unreadable, and such a secret protects nothing anyway.
 */
const MIN_SECRET_LENGTH = 4;
/** A piece of a secret this long is redacted wherever it appears. */
const MIN_INNER_PIECE = 12;
/** A secret's prefix this long at a line's end (or suffix at a line's start) is redacted. */
const MIN_CUT_PIECE = 8;

/**
 * Builds the one redaction function for a set of secrets (webhook secrets including rotated
 * ones, the console token, the API key).
 *
 * It replaces, with `[redacted]`:
 * - every whole occurrence of each secret;
 * - every piece of 12 or more characters of a secret, anywhere;
 * - a prefix of 8 or more characters of a secret at the end of the text or of a line, and a
 *   suffix of 8 or more at the start of one (the secret was cut at a length limit).
 *
 * @example
 * const redact = createRedactor([process.env.PASSFORT_WEBHOOK_SECRET!]);
 * logger.error({ error: redact(String(error)) });
 */
export function createRedactor(secrets: readonly (string | undefined)[]): Redact {
  const known = [
    ...new Set(
      secrets.filter((s): s is string => typeof s === 'string' && s.length >= MIN_SECRET_LENGTH),
    ),
  ];
  if (known.length === 0) return noRedaction;
  const pieces = new Set<string>();
  for (const secret of known) {
    for (let i = 0; i + MIN_INNER_PIECE <= secret.length; i++) {
      pieces.add(secret.slice(i, i + MIN_INNER_PIECE));
    }
  }
  return (text) => {
    if (typeof text !== 'string' || text === '') return text;
    const covered = new Uint8Array(text.length);
    let any = false;
    const cover = (from: number, to: number) => {
      covered.fill(1, from, to);
      any = true;
    };
    for (const secret of known) {
      for (let at = text.indexOf(secret); at !== -1; at = text.indexOf(secret, at + 1)) {
        cover(at, at + secret.length);
      }
    }
    if (pieces.size > 0) {
      for (let i = 0; i + MIN_INNER_PIECE <= text.length; i++) {
        if (pieces.has(text.slice(i, i + MIN_INNER_PIECE))) cover(i, i + MIN_INNER_PIECE);
      }
    }
    let lineStart = 0;
    while (lineStart <= text.length) {
      const newline = text.indexOf('\n', lineStart);
      const lineEnd = newline === -1 ? text.length : newline;
      const line = text.slice(lineStart, lineEnd).replace(/\r$/, '');
      for (const secret of known) {
        const cut = cutPieces(line, secret);
        if (cut.prefix > 0) cover(lineStart + line.length - cut.prefix, lineStart + line.length);
        if (cut.suffix > 0) cover(lineStart, lineStart + cut.suffix);
      }
      if (newline === -1) break;
      lineStart = newline + 1;
    }
    if (!any) return text;
    let out = '';
    for (let i = 0; i < text.length; ) {
      if (covered[i] === 1) {
        while (i < text.length && covered[i] === 1) i++;
        out += REDACTED;
      } else {
        const from = i;
        while (i < text.length && covered[i] !== 1) i++;
        out += text.slice(from, i);
      }
    }
    return out;
  };
}

/** The longest prefix of `secret` ending `line` and the longest suffix starting it (0: none). */
function cutPieces(line: string, secret: string): { prefix: number; suffix: number } {
  let prefix = 0;
  let suffix = 0;
  const longest = Math.min(secret.length - 1, line.length);
  for (let k = longest; k >= MIN_CUT_PIECE; k--) {
    if (prefix === 0 && line.endsWith(secret.slice(0, k))) prefix = k;
    if (suffix === 0 && line.startsWith(secret.slice(secret.length - k))) suffix = k;
    if (prefix > 0 && suffix > 0) break;
  }
  return { prefix, suffix };
}

/** An error, its `cause` chain and its stack as text with every known secret redacted. */
export interface RedactedError {
  readonly name: string;
  readonly message: string;
  /** Each cause in turn (`error.cause`, its cause, ...), redacted; absent without one. */
  readonly causes?: readonly { readonly name: string; readonly message: string }[];
  readonly stack?: string;
}

/**
 * Summarises `error` for a log line, a dead letter or an answer: message, cause chain and
 * stack, each redacted. Never carries the error object itself (nor any payload on it).
 */
export function redactError(error: unknown, redact: Redact): RedactedError {
  const first = nameAndMessage(error, redact);
  const causes: { name: string; message: string }[] = [];
  const seen = new Set<unknown>([error]);
  let cause = error instanceof Error ? error.cause : undefined;
  // Bounded: a cause chain can loop, or be absurdly deep.
  while (cause !== undefined && !seen.has(cause) && causes.length < 10) {
    seen.add(cause);
    causes.push(nameAndMessage(cause, redact));
    cause = cause instanceof Error ? cause.cause : undefined;
  }
  const stack =
    error instanceof Error && typeof error.stack === 'string' ? redact(error.stack) : undefined;
  return {
    ...first,
    ...(causes.length > 0 ? { causes } : {}),
    ...(stack === undefined ? {} : { stack }),
  };
}

function nameAndMessage(error: unknown, redact: Redact): { name: string; message: string } {
  if (error instanceof Error) return { name: error.name, message: redact(error.message) };
  return { name: typeof error, message: redact(String(error)) };
}
