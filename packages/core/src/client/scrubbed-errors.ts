/**
 * Keeps the API key out of everything the client throws, whatever put it there: a `fetch`
 * implementation quoting a header it refused, a proxy's error page, a 401 body that echoes
 * the key it was sent, a stack. The text itself is scrubbed by the library's one redaction
 * function (`createRedactor`, which knows the key's encoded forms and cut pieces); this file
 * only walks the shapes the client throws: an error with its `cause` chain, and Passfort's
 * `errors[]` JSON.
 */
import type { Redact } from '../observability/redact-secrets.js';

/**
 * A copy of `value` (an error and its `cause` chain, or any value) that is safe to keep:
 * message, stack, `code` and `cause` scrubbed by `redact`; anything that is not an error
 * becomes one, with its text scrubbed.
 */
export function scrubbedError(value: unknown, redact: Redact, depth = 0): Error | undefined {
  if (value === undefined || value === null) return undefined;
  if (!(value instanceof Error)) {
    let text: string;
    try {
      text = typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value));
    } catch {
      text = Object.prototype.toString.call(value);
    }
    return new Error(redact(text));
  }
  const copy = new Error(redact(String(value.message)));
  Object.defineProperty(copy, 'name', {
    value: redact(String(value.name)),
    configurable: true,
    writable: true,
  });
  copy.stack = redact(String(value.stack ?? ''));
  const { code } = value as { code?: unknown };
  if (typeof code === 'string' || typeof code === 'number') {
    (copy as Error & { code?: unknown }).code = typeof code === 'string' ? redact(code) : code;
  }
  if (value.cause !== undefined && depth < 8) {
    copy.cause = scrubbedError(value.cause, redact, depth + 1);
  }
  return copy;
}

/** A JSON value with every string in it scrubbed by `redact` (Passfort's `errors[]`). */
export function scrubbedJson<T>(value: T, redact: Redact, depth = 0): T {
  if (typeof value === 'string') return redact(value) as T;
  if (typeof value !== 'object' || value === null || depth > 16) return value;
  if (Array.isArray(value)) return value.map((item) => scrubbedJson(item, redact, depth + 1)) as T;
  const result: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    Object.defineProperty(result, redact(key), {
      value: scrubbedJson(item, redact, depth + 1),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return result as T;
}
