/**
 * The client's options, checked and defaulted once when it is made: a misconfiguration (no key,
 * a key no header can carry, credentials in the URL, a timer `setTimeout` cannot keep) throws
 * at start-up, never at the first request. Every later step reads the `ClientSettings` made
 * here rather than the options the caller passed.
 */
import { ConfigurationError } from '../errors/configuration-error.js';
import { type KnownOptions, refuseUnknownOptions } from '../options/refuse-unknown-options.js';
import { type CompiledDiffOptions, compileDiffOptions } from '../sync/compile-diff-options.js';
import type { LoopGuard } from '../sync/loop-guard.js';

/** The options it accepts: an unknown one is refused (see `refuseUnknownOptions`). */
const PASSFORT_CLIENT_OPTIONS = {
  apiKey: true,
  baseUrl: true,
  fetch: true,
  timeoutMs: true,
  deadlineMs: true,
  loopGuard: true,
  retries: true,
  retryDelayMs: true,
  maxRetryAfterMs: true,
} as const satisfies KnownOptions<PassfortClientOptions>;

/** The longest timer `setTimeout` keeps: a longer one fires at once. */
const MAX_TIMER_MS = 2_147_483_647;

/** Options of `createPassfortClient`. */
export interface PassfortClientOptions {
  /**
   * Your Passfort API key, sent as the `apikey` header. Never logged or put in an error:
   * every error the client throws, its `cause` chain and its stack are scrubbed of it.
   */
  apiKey: string;
  /**
   * Where Passfort's API is. Credentials in it (`https://user:pass@…`) are refused: the key
   * goes in `apiKey`.
   * @default 'https://api.passfort.com/4.0'
   * @example 'http://127.0.0.1:4010/4.0' (the local emulator)
   */
  baseUrl?: string;
  /** The `fetch` to use (for tests, proxies, instrumentation). @default globalThis.fetch */
  fetch?: typeof fetch;
  /** One request's limit, from sending it to the last byte of its answer. @default 10_000 */
  timeoutMs?: number;
  /**
   * One call's overall limit: `getCollectedData` or `updateCollectedData`, every request,
   * retry, wait, `mutate` and loop-guard call included, settles within it (a
   * `PassfortApiError` with code `API_TIMEOUT` when it runs out). Per call:
   * `updateCollectedData(id, mutate, { deadlineMs })`.
   * @default 60_000
   */
  deadlineMs?: number;
  /** Told what each update writes, so the receiver can recognise the webhook it causes. */
  loopGuard?: LoopGuard;
  /**
   * Retries of a read on 429, 5xx, timeouts, network errors and unusable answers; and, for
   * an update, how many lost answers to a POST (5xx, timeout, reset) it checks and retries.
   * @default 3
   */
  retries?: number;
  /** First retry wait, doubled each time unless Passfort sends `Retry-After`. @default 500 */
  retryDelayMs?: number;
  /**
   * The longest `Retry-After` obeyed. Passfort asking for a longer wait (or one past the
   * deadline) ends the call at once with that answer's error, rather than hanging.
   * @default 30_000
   */
  maxRetryAfterMs?: number;
}

/** The options once checked, with every default filled in. */
export interface ClientSettings {
  readonly apiKey: string;
  /** Without a trailing slash. */
  readonly baseUrl: string;
  /** Call it as a plain function, never as a method: some runtimes' `fetch` throws on a foreign `this`. */
  readonly fetch: typeof fetch;
  readonly timeoutMs: number;
  readonly deadlineMs: number;
  readonly maxRetryAfterMs: number;
  readonly retryDelayMs: number;
  readonly retries: number;
  readonly loopGuard: LoopGuard | undefined;
  /** The loop guard's rules of what counts as a change (the default rules without one). */
  readonly rules: CompiledDiffOptions;
}

/** Checks `options` and fills in the defaults; throws a `ConfigurationError` on a bad one. */
export function resolvePassfortClientOptions(options: PassfortClientOptions): ClientSettings {
  refuseUnknownOptions('createPassfortClient', options, PASSFORT_CLIENT_OPTIONS);
  if (typeof options?.apiKey !== 'string' || options.apiKey.trim() === '') {
    throw new ConfigurationError('createPassfortClient needs an apiKey');
  }
  const apiKey = options.apiKey;
  // fetch would refuse such a header and quote it in its error; say so without quoting it.
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
  if (/[\u0000-\u001f\u007f]|[^\u0000-\u00ff]/.test(apiKey) || apiKey.trim() !== apiKey) {
    throw new ConfigurationError(
      'createPassfortClient apiKey holds a character no HTTP header can carry (a line break, a control character, surrounding spaces or non-Latin-1 text)',
    );
  }
  const baseUrl = checkedBaseUrl(options.baseUrl ?? 'https://api.passfort.com/4.0', apiKey);
  const timeoutMs = checkedMs('timeoutMs', options.timeoutMs ?? 10_000);
  const deadlineMs = checkedMs('deadlineMs', options.deadlineMs ?? 60_000);
  const maxRetryAfterMs = checkedMs('maxRetryAfterMs', options.maxRetryAfterMs ?? 30_000, 0);
  const retryDelayMs = checkedMs('retryDelayMs', options.retryDelayMs ?? 500, 0);
  const retries = options.retries ?? 3;
  if (!Number.isInteger(retries) || retries < 0) {
    throw new ConfigurationError('createPassfortClient retries must be a whole number, 0 or more');
  }
  const { loopGuard } = options;
  return {
    apiKey,
    baseUrl,
    fetch: options.fetch ?? globalThis.fetch,
    timeoutMs,
    deadlineMs,
    maxRetryAfterMs,
    retryDelayMs,
    retries,
    loopGuard,
    rules: loopGuard?.diffOptions ?? compileDiffOptions(),
  };
}

/** `value` when a timer can keep it and it is at least `min`; also checks a call's own `deadlineMs`. */
export function checkedMs(name: string, value: number, min = 1): number {
  if (typeof value !== 'number' || !(value >= min) || value > MAX_TIMER_MS) {
    throw new ConfigurationError(
      `createPassfortClient ${name} must be a number of milliseconds from ${min} to ${MAX_TIMER_MS}`,
    );
  }
  return value;
}

/** The base URL without a trailing slash; credentials in it are refused, unquoted. */
function checkedBaseUrl(value: string, apiKey: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigurationError('createPassfortClient baseUrl is not a URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new ConfigurationError('createPassfortClient baseUrl must be an http(s) URL');
  }
  if (url.username !== '' || url.password !== '') {
    throw new ConfigurationError(
      'createPassfortClient baseUrl must not carry credentials (user:password@): pass the API key as apiKey',
    );
  }
  if (value.includes(apiKey) || value.includes(encodeURIComponent(apiKey))) {
    throw new ConfigurationError(
      'createPassfortClient baseUrl must not contain the API key: pass it as apiKey',
    );
  }
  if (url.search !== '' || url.hash !== '') {
    throw new ConfigurationError('createPassfortClient baseUrl must have no query or fragment');
  }
  return value.replace(/\/+$/, '');
}
