/**
 * Keeps the API key out of everything the client throws, whatever put it there: a `fetch`
 * implementation quoting a header it refused, a proxy's error page, a 401 body that echoes
 * the key it was sent, a stack. Whole occurrences are replaced in every form the key can
 * take in text (as is, URL-encoded, JSON-escaped), and so are pieces of it: any 8 or more
 * of its characters in a row, and 4 or more at the end of a line (a log line's length limit,
 * an ellipsis) or at its start.
 */

const REDACTED = '[redacted]';
const SHORTEST_PIECE = 4;
const SHORTEST_INNER_PIECE = 8;

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

const patterns = new Map<string, RegExp[]>();

/** The patterns for one secret, longest pieces first, built once per secret. */
function patternsOf(secret: string): RegExp[] {
  const cached = patterns.get(secret);
  if (cached !== undefined) return cached;
  const forms = [secret, encodeURIComponent(secret), JSON.stringify(secret).slice(1, -1)];
  const pieces = new Set<string>();
  for (const form of forms) {
    const shortest = Math.min(SHORTEST_INNER_PIECE, form.length);
    for (let length = form.length; length >= shortest; length--) {
      for (let start = 0; start + length <= form.length; start++) {
        pieces.add(form.slice(start, start + length));
      }
    }
  }
  const byLength = [...pieces].sort((a, b) => b.length - a.length).map(escapeRegExp);
  const shortest = Math.min(SHORTEST_PIECE, secret.length);
  const heads: string[] = [];
  const tails: string[] = [];
  for (let length = secret.length - 1; length >= shortest; length--) {
    heads.push(escapeRegExp(secret.slice(0, length)));
    tails.push(escapeRegExp(secret.slice(secret.length - length)));
  }
  const result = [new RegExp(byLength.join('|'), 'g')];
  if (heads.length > 0) {
    result.push(new RegExp(`(?:${heads.join('|')})(?=…|\\.\\.\\.|$)`, 'gm'));
    result.push(new RegExp(`^(?:${tails.join('|')})`, 'gm'));
  }
  if (patterns.size > 16) patterns.clear();
  patterns.set(secret, result);
  return result;
}

/** `text` with every whole or partial occurrence of `secret` replaced by `[redacted]`. */
export function scrubSecret(text: string, secret: string): string {
  if (secret === '' || text === '') return text;
  let result = text;
  for (const pattern of patternsOf(secret)) result = result.replace(pattern, REDACTED);
  return result;
}

/**
 * A copy of `value` (an error and its `cause` chain, or any value) that is safe to keep:
 * message, stack, `code` and `cause` scrubbed of `secret`; anything that is not an error
 * becomes one, with its text scrubbed.
 */
export function scrubbedError(value: unknown, secret: string, depth = 0): Error | undefined {
  if (value === undefined || value === null) return undefined;
  if (!(value instanceof Error)) {
    let text: string;
    try {
      text = typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value));
    } catch {
      text = Object.prototype.toString.call(value);
    }
    return new Error(scrubSecret(text, secret));
  }
  const copy = new Error(scrubSecret(String(value.message), secret));
  Object.defineProperty(copy, 'name', {
    value: scrubSecret(String(value.name), secret),
    configurable: true,
    writable: true,
  });
  copy.stack = scrubSecret(String(value.stack ?? ''), secret);
  const { code } = value as { code?: unknown };
  if (typeof code === 'string' || typeof code === 'number') {
    (copy as Error & { code?: unknown }).code =
      typeof code === 'string' ? scrubSecret(code, secret) : code;
  }
  if (value.cause !== undefined && depth < 8) {
    copy.cause = scrubbedError(value.cause, secret, depth + 1);
  }
  return copy;
}

/** A JSON value with every string in it scrubbed of `secret` (Passfort's `errors[]`). */
export function scrubbedJson<T>(value: T, secret: string, depth = 0): T {
  if (typeof value === 'string') return scrubSecret(value, secret) as T;
  if (typeof value !== 'object' || value === null || depth > 16) return value;
  if (Array.isArray(value)) return value.map((item) => scrubbedJson(item, secret, depth + 1)) as T;
  const result: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    Object.defineProperty(result, scrubSecret(key, secret), {
      value: scrubbedJson(item, secret, depth + 1),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return result as T;
}
