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
const MIN_INNER_PIECE = 8;
/**
 * A secret's prefix this long where a text was cut (the end of the text or of a line, or
 * before `…` / `...`), or its suffix this long at the start of a line, is redacted.
 */
const MIN_CUT_PIECE = 4;

/**
 * Builds the one redaction function for a set of secrets (webhook secrets including rotated
 * ones, the console token, the API key). Every text the library keeps or shows about a
 * failure passes through one of these.
 *
 * It replaces, with `[redacted]`, in each form a secret takes in text (as is, URL-encoded,
 * JSON-escaped):
 * - every whole occurrence;
 * - every piece of 8 or more characters, anywhere;
 * - a prefix of 4 or more characters where the text was cut (the end of the text or of a
 *   line, or before `…` or `...`), and a suffix of 4 or more at the start of a line.
 *
 * Over-redacting an error message costs a little readability; under-redacting leaks a
 * credential to every reader of a log. The thresholds lean to the first.
 *
 * @example
 * const redact = createRedactor([process.env.PASSFORT_WEBHOOK_SECRET!]);
 * logger.error({ error: redact(String(error)) });
 */
export function createRedactor(secrets: readonly (string | undefined)[]): Redact {
  const raw = [
    ...new Set(
      secrets.filter((s): s is string => typeof s === 'string' && s.length >= MIN_SECRET_LENGTH),
    ),
  ];
  if (raw.length === 0) return noRedaction;
  const forms = new Set<string>();
  for (const secret of raw) {
    forms.add(secret);
    forms.add(encodeURIComponent(secret));
    forms.add(JSON.stringify(secret).slice(1, -1));
  }
  const known = [...forms];
  const pieces = new Set<string>();
  for (const form of known) {
    for (let i = 0; i + MIN_INNER_PIECE <= form.length; i++) {
      pieces.add(form.slice(i, i + MIN_INNER_PIECE));
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
    for (let i = 0; i + MIN_INNER_PIECE <= text.length; i++) {
      if (pieces.has(text.slice(i, i + MIN_INNER_PIECE))) cover(i, i + MIN_INNER_PIECE);
    }
    const { starts, ends } = cutPoints(text);
    for (const secret of known) {
      for (const end of ends) {
        const length = longestPrefixEndingAt(text, end, secret);
        if (length > 0) cover(end - length, end);
      }
      for (const start of starts) {
        const length = longestSuffixStartingAt(text, start, secret);
        if (length > 0) cover(start, start + length);
      }
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

/** Where a text may have been cut: line starts, and line ends or ellipses. */
function cutPoints(text: string): { starts: number[]; ends: number[] } {
  const starts = [0];
  const ends = [text.length];
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) {
    starts.push(i + 1);
    ends.push(i > 0 && text[i - 1] === '\r' ? i - 1 : i);
  }
  for (const mark of ['…', '...']) {
    for (let i = text.indexOf(mark); i !== -1; i = text.indexOf(mark, i + mark.length)) {
      ends.push(i);
    }
  }
  return { starts, ends };
}

/** The length of the longest prefix of `secret` (shorter than it) ending at `end`; 0: none. */
function longestPrefixEndingAt(text: string, end: number, secret: string): number {
  for (let k = Math.min(secret.length - 1, end); k >= MIN_CUT_PIECE; k--) {
    if (text.startsWith(secret.slice(0, k), end - k)) return k;
  }
  return 0;
}

/** The length of the longest suffix of `secret` (shorter than it) starting at `start`; 0: none. */
function longestSuffixStartingAt(text: string, start: number, secret: string): number {
  for (let k = Math.min(secret.length - 1, text.length - start); k >= MIN_CUT_PIECE; k--) {
    if (text.startsWith(secret.slice(secret.length - k), start)) return k;
  }
  return 0;
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
