import { ConfigurationError } from '../errors/configuration-error.js';
import { PassfortApiError, type PassfortApiErrorDetail } from '../errors/passfort-api-error.js';
import { PassfortConflictError } from '../errors/passfort-conflict-error.js';
import type { CollectedData } from '../events/collected-data-schema.js';
import { createRedactor } from '../observability/redact-secrets.js';
import { type KnownOptions, refuseUnknownOptions } from '../options/refuse-unknown-options.js';
import {
  type CollectedDataChange,
  compileDiffOptions,
  diffCollectedData,
  MAX_COLLECTED_DATA_DEPTH,
} from '../sync/diff-collected-data.js';
import type { LoopGuard, PendingWrite } from '../sync/loop-guard.js';
import { type CollectedDataEdit, mergeCollectedData } from '../sync/merge-collected-data.js';
import { Deadline } from './deadline.js';
import { scrubbedError, scrubbedJson } from './scrubbed-errors.js';

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

/** Options of {@link createPassfortClient}. */
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

/** A profile's collected_data and the ETag it was read with. */
export interface CollectedDataSnapshot {
  readonly data: CollectedData;
  /** Opaque; sent back byte for byte as `If-Match`. */
  readonly etag: string;
}

/**
 * What {@link PassfortClient.updateCollectedData} did. `data` and `etag` are a pair: the
 * profile's collected_data at that ETag (after a 204 or an ETag-less 200, both come from a
 * read; in the rare case that read fails too, `data` is what was written and `etag` is '').
 */
export interface UpdateResult extends CollectedDataSnapshot {
  /** POST rounds it took (more than 1 after 412s or a lost answer). */
  readonly attempts: number;
  /**
   * True when Passfort holds our change: a POST was accepted, or the answer to one was
   * lost and a read showed it had landed. False when `mutate` changed nothing, so nothing
   * was posted.
   */
  readonly written: boolean;
  /**
   * Where the data Passfort stored differs from what was sent (Passfort's own additions
   * ignored). Empty when Passfort stored exactly what we sent.
   */
  readonly unconfirmed: readonly CollectedDataChange[];
}

/** Options of {@link PassfortClient.updateCollectedData}. */
export interface UpdateOptions {
  /** Rounds of GET → mutate → POST before giving up on 412s. @default 5 */
  maxAttempts?: number;
  /** This call's overall limit. @default the client's `deadlineMs` (60_000) */
  deadlineMs?: number;
}

/** Options of {@link PassfortClient.getCollectedData}. */
export interface ReadOptions {
  /** This call's overall limit. @default the client's `deadlineMs` (60_000) */
  deadlineMs?: number;
}

/** A change of collected_data as a function of the latest data: returns the whole new data. */
export type CollectedDataMutation = (
  current: CollectedData,
) => CollectedData | Promise<CollectedData>;

/** The part of Passfort's API this library needs: a profile's collected_data. */
export interface PassfortClient {
  /**
   * The profile's collected_data and its ETag. An answer that is not collected_data (empty,
   * not JSON, not an object, an `errors` answer) is read again, then is a `PassfortApiError`.
   */
  getCollectedData(profileId: string, options?: ReadOptions): Promise<CollectedDataSnapshot>;
  /**
   * Changes a profile's collected_data without overwriting anyone else's change: GET the
   * whole data and its ETag, `mutate` a copy, POST the whole result with `If-Match`; on 412
   * re-apply `mutate` to the latest data from the 412 response (read again when that answer
   * is not the profile's collected_data or has no ETag) and retry, up to `maxAttempts`, then
   * throw {@link PassfortConflictError}. POST replaces, never merges: `mutate` returns the
   * whole data. Returning it unchanged skips the POST.
   *
   * Instead of `mutate`, pass the edit you made to your own copy, `{ before, after }`: it is
   * applied to the latest data with {@link mergeCollectedData}'s rules (only what the edit
   * changed; arrays without ids replaced whole).
   *
   * When the answer to a POST is lost (a 5xx, a timeout, a reset connection), the write may
   * have landed: the client reads the latest data and, if it holds what was sent, counts it
   * as written without running `mutate` again, so an append never lands twice. It settles
   * within `deadlineMs`; every failure is a `PassfortApiError` whose `cause` says why.
   *
   * @example
   * await passfort.updateCollectedData(profileId, (data) => ({
   *   ...data,
   *   contact_details: { ...data.contact_details, email: 'new@example.com' },
   * }));
   * @example
   * await passfort.updateCollectedData(profileId, { before: savedCopy, after: editedCopy });
   */
  updateCollectedData(
    profileId: string,
    change: CollectedDataMutation | CollectedDataEdit,
    options?: UpdateOptions,
  ): Promise<UpdateResult>;
}

/** What one request got back. The body is undefined when it could not be read. */
interface Answer {
  readonly status: number;
  readonly etag: string | null;
  readonly retryAfter: string | null;
  readonly text: string | undefined;
  readonly bodyError: PassfortApiError | undefined;
}

/** A failed request, with whether trying again is safe. */
class RequestFailure extends Error {
  constructor(
    readonly error: PassfortApiError,
    readonly retryable: boolean,
    readonly retryAfter: string | null = null,
  ) {
    super(error.message);
  }
}

type PostOutcome =
  | { readonly kind: 'accepted'; readonly answer: Answer }
  | { readonly kind: 'conflict'; readonly answer: Answer }
  | { readonly kind: 'unknown'; readonly failure: RequestFailure };

function errorDetails(body: unknown): readonly PassfortApiErrorDetail[] {
  const errors = (body as { errors?: unknown } | null)?.errors;
  return Array.isArray(errors) ? (errors as PassfortApiErrorDetail[]) : [];
}

function retryAfterMs(header: string | null): number | undefined {
  if (header === null) return undefined;
  const seconds = Number(header);
  if (header.trim() !== '' && !Number.isNaN(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

function parseJson(text: string | undefined): { value: unknown } | undefined {
  if (text === undefined || text.trim() === '') return undefined;
  try {
    return { value: JSON.parse(text) };
  } catch {
    return undefined;
  }
}

/** True when `value` nests deeper than the diff walks (iterative, so it cannot overflow). */
function tooDeep(value: unknown): boolean {
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (typeof node !== 'object' || node === null) continue;
    if (depth > MAX_COLLECTED_DATA_DEPTH) return true;
    for (const child of Object.values(node)) stack.push([child, depth + 1]);
  }
  return false;
}

/**
 * `value` when it can be taken as the profile's collected_data, else why not: a JSON object
 * (not null, an array or text), without `errors` (an error answer), nested no deeper than the
 * diff walks, and of the same `entity_type` as the data it replaces (a profile never changes
 * type; a wrapper such as `{ collected_data: … }` lacks it).
 */
function asCollectedData(
  parsed: { value: unknown } | undefined,
  reference: CollectedData | undefined,
): CollectedData | string {
  if (parsed === undefined) return 'no JSON body';
  const { value } = parsed;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return `a JSON ${value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value}, not an object`;
  }
  if (Object.hasOwn(value, 'errors')) return 'an error answer (errors[])';
  if (tooDeep(value)) return `data nested deeper than ${MAX_COLLECTED_DATA_DEPTH} levels`;
  const entityType = (value as CollectedData).entity_type;
  if (reference !== undefined && entityType !== reference.entity_type) {
    return 'not this profile’s collected_data (its entity_type differs)';
  }
  return value as CollectedData;
}

/**
 * A small client for Passfort's collected_data API, on the platform `fetch` (every runtime).
 *
 * @example
 * const passfort = createPassfortClient({ apiKey: process.env.PASSFORT_API_KEY!, loopGuard });
 * const { data, etag } = await passfort.getCollectedData(profileId);
 */
export function createPassfortClient(options: PassfortClientOptions): PassfortClient {
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
  const doFetch = options.fetch ?? globalThis.fetch;
  const timeoutMs = checkedMs('timeoutMs', options.timeoutMs ?? 10_000);
  const defaultDeadlineMs = checkedMs('deadlineMs', options.deadlineMs ?? 60_000);
  const maxRetryAfterMs = checkedMs('maxRetryAfterMs', options.maxRetryAfterMs ?? 30_000, 0);
  const retryDelayMs = checkedMs('retryDelayMs', options.retryDelayMs ?? 500, 0);
  const retries = options.retries ?? 3;
  if (!Number.isInteger(retries) || retries < 0) {
    throw new ConfigurationError('createPassfortClient retries must be a whole number, 0 or more');
  }
  const { loopGuard } = options;
  const rules = loopGuard?.diffOptions ?? compileDiffOptions();
  const sameData = (a: unknown, b: unknown) => diffCollectedData(a, b, rules).length === 0;

  const urlOf = (profileId: string) =>
    `${baseUrl}/profiles/${encodeURIComponent(profileId)}/collected_data`;
  const scrub = createRedactor([apiKey]);

  function apiError(
    code: PassfortApiError['code'],
    message: string,
    details: { httpStatus: number; errors?: readonly PassfortApiErrorDetail[]; cause?: unknown },
  ): PassfortApiError {
    return new PassfortApiError(code, scrub(message), {
      httpStatus: details.httpStatus,
      errors: scrubbedJson(details.errors ?? [], scrub),
      cause: scrubbedError(details.cause, scrub),
    });
  }

  /** The errors deadlines raised: never retried, never wrapped. */
  const deadlineErrors = new WeakSet<PassfortApiError>();

  function startDeadline(what: string, ms: number): Deadline<PassfortApiError> {
    return new Deadline(ms, () => {
      const error = apiError(
        'API_TIMEOUT',
        `${what} did not finish within its deadline of ${ms} ms`,
        { httpStatus: 0 },
      );
      deadlineErrors.add(error);
      return error;
    });
  }

  /** The answer's status as an error, and whether trying again is safe. */
  function statusFailure(where: string, answer: Answer): RequestFailure {
    const { status } = answer;
    if (status >= 300 && status < 400) {
      return new RequestFailure(
        apiError(
          'API_ERROR',
          `${where} was answered with a redirect (${status}); Passfort's API does not redirect: check baseUrl`,
          { httpStatus: status },
        ),
        false,
      );
    }
    const errors = errorDetails(parseJson(answer.text)?.value);
    const first = typeof errors[0]?.message === 'string' ? `: ${errors[0].message}` : '';
    return new RequestFailure(
      apiError('API_ERROR', `${where} failed with ${status}${first}`, {
        httpStatus: status,
        errors,
        cause: answer.bodyError,
      }),
      status === 429 || status >= 500,
      answer.retryAfter,
    );
  }

  /** Waits before retry `attempt`, or ends the call when the wait is too long. */
  async function backoff(
    attempt: number,
    failure: RequestFailure,
    deadline: Deadline<PassfortApiError>,
  ) {
    const asked = retryAfterMs(failure.retryAfter);
    const { error } = failure;
    if (asked !== undefined && asked > maxRetryAfterMs) {
      throw apiError(
        error.code,
        `${error.message}; Passfort asked to retry after ${Math.round(asked / 1000)} s, more than maxRetryAfterMs (${maxRetryAfterMs} ms)`,
        { httpStatus: error.httpStatus, errors: error.errors, cause: error.cause },
      );
    }
    const wait = asked ?? retryDelayMs * 2 ** attempt;
    if (wait >= deadline.remaining()) {
      throw apiError(
        'API_TIMEOUT',
        `${error.message}; no time left to retry within the deadline of ${deadline.ms} ms`,
        { httpStatus: error.httpStatus, errors: error.errors, cause: error },
      );
    }
    await deadline.sleep(wait);
  }

  /** One request and its whole body, within `timeoutMs` and the deadline. */
  async function exchange(
    method: 'GET' | 'POST',
    profileId: string,
    init: { body?: string; ifMatch?: string },
    deadline: Deadline<PassfortApiError>,
  ): Promise<Answer> {
    deadline.check();
    const where = `${method} /profiles/${profileId}/collected_data`;
    const isDeadline = (error: PassfortApiError) => deadlineErrors.has(error);
    const controller = new AbortController();
    const timedOut = new Error('timeoutMs');
    const onDeadline = () => controller.abort(deadline.signal.reason);
    deadline.signal.addEventListener('abort', onDeadline, { once: true });
    // A request that would outlast the deadline is cut at it, and fails as the deadline.
    const budget = Math.min(timeoutMs, deadline.remaining());
    const cutByDeadline = budget < timeoutMs;
    const timer = setTimeout(() => controller.abort(timedOut), budget);
    const failed = (cause: unknown, during: string): PassfortApiError => {
      if (deadline.signal.aborted) return deadline.signal.reason as PassfortApiError;
      if (controller.signal.reason === timedOut && cutByDeadline) return deadline.error();
      if (controller.signal.reason === timedOut) {
        return apiError('API_TIMEOUT', `${where} timed out after ${timeoutMs} ms${during}`, {
          httpStatus: 0,
          cause,
        });
      }
      return apiError(
        'API_UNREACHABLE',
        during === ''
          ? `${where} could not reach Passfort`
          : `${where}: the connection failed${during}`,
        { httpStatus: 0, cause },
      );
    };
    try {
      const headers: Record<string, string> = { apikey: apiKey, accept: 'application/json' };
      if (init.body !== undefined) headers['content-type'] = 'application/json';
      if (init.ifMatch !== undefined) headers['if-match'] = init.ifMatch;
      let response: Response;
      try {
        response = await doFetch(urlOf(profileId), {
          method,
          headers,
          // A redirect would carry the apikey header to wherever it points.
          redirect: 'manual',
          ...(init.body === undefined ? {} : { body: init.body }),
          signal: controller.signal,
        });
      } catch (cause) {
        const error = failed(cause, '');
        if (isDeadline(error)) throw error;
        throw new RequestFailure(error, true);
      }
      let text: string | undefined;
      let bodyError: PassfortApiError | undefined;
      try {
        text = await readText(response, controller.signal);
      } catch (cause) {
        bodyError = failed(cause, ` while reading its ${response.status} answer`);
        if (isDeadline(bodyError)) throw bodyError;
      }
      return {
        status: response.status,
        etag: response.headers.get('etag'),
        retryAfter: response.headers.get('retry-after'),
        text,
        bodyError,
      };
    } finally {
      clearTimeout(timer);
      deadline.signal.removeEventListener('abort', onDeadline);
    }
  }

  /** A GET of the collected_data, retried until it is usable, within the deadline. */
  async function read(
    profileId: string,
    deadline: Deadline<PassfortApiError>,
    reference?: CollectedData,
  ): Promise<CollectedDataSnapshot> {
    const where = `GET /profiles/${profileId}/collected_data`;
    for (let attempt = 0; ; attempt++) {
      let failure: RequestFailure;
      try {
        const answer = await exchange('GET', profileId, {}, deadline);
        if (answer.status < 200 || answer.status >= 300) throw statusFailure(where, answer);
        if (answer.bodyError !== undefined) throw new RequestFailure(answer.bodyError, true);
        const data = asCollectedData(parseJson(answer.text), reference);
        if (typeof data === 'string') {
          throw new RequestFailure(
            apiError('API_ERROR', `${where} returned no collected_data: ${data}`, {
              httpStatus: answer.status,
            }),
            true,
          );
        }
        if (answer.etag === null) {
          throw new RequestFailure(
            apiError('API_ERROR', `${where} returned no ETag`, { httpStatus: answer.status }),
            true,
          );
        }
        return { data, etag: answer.etag };
      } catch (error) {
        if (!(error instanceof RequestFailure)) throw error;
        failure = error;
      }
      if (!failure.retryable || attempt >= retries) throw failure.error;
      await backoff(attempt, failure, deadline);
    }
  }

  /** A POST; 429s retried (nothing was written), every answer that may hide a write returned. */
  async function post(
    profileId: string,
    body: string,
    ifMatch: string,
    deadline: Deadline<PassfortApiError>,
  ): Promise<PostOutcome> {
    const where = `POST /profiles/${profileId}/collected_data`;
    for (let attempt = 0; ; attempt++) {
      let answer: Answer;
      try {
        answer = await exchange('POST', profileId, { body, ifMatch }, deadline);
      } catch (error) {
        if (!(error instanceof RequestFailure)) throw error;
        return { kind: 'unknown', failure: error };
      }
      if (answer.status >= 200 && answer.status < 300) return { kind: 'accepted', answer };
      if (answer.status === 412) return { kind: 'conflict', answer };
      const failure = statusFailure(where, answer);
      if (answer.status === 429 && attempt < retries) {
        await backoff(attempt, failure, deadline);
        continue;
      }
      if (answer.status >= 500) return { kind: 'unknown', failure };
      throw failure.error;
    }
  }

  /** Runs a loop-guard call within the deadline; its failure must not undo a settled write. */
  async function quietly(
    work: Promise<void> | undefined,
    deadline: Deadline<PassfortApiError>,
  ): Promise<void> {
    if (work === undefined) return;
    await deadline.race(work).catch(() => {});
  }

  async function update(
    profileId: string,
    mutate: CollectedDataMutation,
    maxAttempts: number,
    deadline: Deadline<PassfortApiError>,
  ): Promise<UpdateResult> {
    /** Attempts whose answer was lost: each may have landed. */
    const unsettled: { sent: CollectedData; pending: PendingWrite | undefined }[] = [];
    const settle = async (landed: (typeof unsettled)[number] | undefined, stored?: unknown) => {
      for (const attempt of unsettled) {
        await quietly(
          attempt === landed ? attempt.pending?.landed(stored) : attempt.pending?.failed(),
          deadline,
        );
      }
      unsettled.length = 0;
    };
    let current = await read(profileId, deadline);
    let conflicts = 0;
    let lostAnswers = 0;
    try {
      for (let attempt = 1; ; attempt++) {
        // A lost answer's write that shows in the latest data landed: don't apply it twice.
        const landed = unsettled.find(({ sent }) => sameData(sent, current.data));
        if (landed !== undefined) {
          await settle(landed, current.data);
          return {
            ...current,
            attempts: attempt - 1,
            written: true,
            unconfirmed: diffCollectedData(landed.sent, current.data, rules),
          };
        }
        const next = await deadline.race(mutate(structuredClone(current.data)));
        if (typeof next !== 'object' || next === null || Array.isArray(next)) {
          throw new TypeError(
            '[passfort-webhooks] updateCollectedData: mutate must return the whole collected_data (an object)',
          );
        }
        if (diffCollectedData(current.data, next, { ignore: [] }).length === 0) {
          await settle(undefined);
          return { ...current, attempts: attempt, written: false, unconfirmed: [] };
        }
        deadline.check();
        // Recorded before sending: Passfort may fire the webhook before we get the answer.
        const pending = await deadline.race(
          loopGuard?.beginWrite(profileId, next, { pendingTtlMs: deadline.remaining() + 60_000 }),
        );
        const outcome = await post(profileId, JSON.stringify(next), current.etag, deadline);
        if (outcome.kind === 'accepted') {
          unsettled.push({ sent: next, pending });
          return await accepted(profileId, next, outcome.answer, attempt, deadline, async (s) =>
            settle(unsettled[unsettled.length - 1], s),
          );
        }
        if (outcome.kind === 'conflict') {
          await quietly(pending?.failed(), deadline);
          if (++conflicts >= maxAttempts) throw new PassfortConflictError(profileId, attempt);
          const latest = asCollectedData(parseJson(outcome.answer.text), current.data);
          current =
            typeof latest !== 'string' && outcome.answer.etag !== null
              ? { data: latest, etag: outcome.answer.etag }
              : await read(profileId, deadline, current.data);
          continue;
        }
        // The answer was lost: the write may or may not have landed. Look before retrying.
        unsettled.push({ sent: next, pending });
        lostAnswers++;
        current = await read(profileId, deadline, current.data);
        if (unsettled.some(({ sent }) => sameData(sent, current.data))) continue;
        if (lostAnswers > retries) throw outcome.failure.error;
        await backoff(lostAnswers - 1, outcome.failure, deadline);
      }
    } catch (error) {
      // Past the deadline nothing more is done: unsettled writes expire as pending.
      if (!deadline.signal.aborted) await settle(undefined);
      throw error;
    }
  }

  /** The result of an accepted POST: what Passfort stored, with the ETag of that data. */
  async function accepted(
    profileId: string,
    sent: CollectedData,
    answer: Answer,
    attempts: number,
    deadline: Deadline<PassfortApiError>,
    settle: (stored: unknown) => Promise<void>,
  ): Promise<UpdateResult> {
    const body = asCollectedData(parseJson(answer.text), sent);
    let stored = typeof body === 'string' ? undefined : body;
    let snapshot: CollectedDataSnapshot | undefined =
      stored !== undefined && answer.etag !== null
        ? { data: stored, etag: answer.etag }
        : undefined;
    if (snapshot === undefined) {
      // A 204, an empty or unreadable body, or no ETag: the data and its ETag come from a
      // read, as a pair (a later version's ETag beside our data would let the next write
      // overwrite that version).
      try {
        snapshot = await read(profileId, deadline, sent);
        stored ??= sameData(snapshot.data, sent) ? snapshot.data : sent;
      } catch {
        // Written all the same: the answer said so. The ETag is unknown ('').
        stored ??= sent;
        snapshot = { data: stored, etag: answer.etag ?? '' };
      }
    }
    await settle(stored);
    return {
      ...snapshot,
      attempts,
      written: true,
      unconfirmed: diffCollectedData(sent, stored, rules),
    };
  }

  function callDeadline(what: string, ms: number | undefined): Deadline<PassfortApiError> {
    return startDeadline(what, ms === undefined ? defaultDeadlineMs : checkedMs('deadlineMs', ms));
  }

  return {
    async getCollectedData(profileId, { deadlineMs } = {}) {
      const deadline = callDeadline(`getCollectedData of profile ${profileId}`, deadlineMs);
      try {
        return await read(profileId, deadline);
      } finally {
        deadline.end();
      }
    },
    async updateCollectedData(profileId, change, { maxAttempts = 5, deadlineMs } = {}) {
      const mutate: CollectedDataMutation =
        typeof change === 'function'
          ? change
          : (current) => mergeCollectedData(current, change, rules);
      if (typeof change !== 'function' && (typeof change !== 'object' || change === null)) {
        throw new TypeError(
          '[passfort-webhooks] updateCollectedData takes a mutate function or an edit { before, after }',
        );
      }
      if (!Number.isInteger(maxAttempts) || maxAttempts < 1) {
        throw new ConfigurationError(
          'updateCollectedData maxAttempts must be a whole number, 1 or more',
        );
      }
      const deadline = callDeadline(`updateCollectedData of profile ${profileId}`, deadlineMs);
      try {
        return await update(profileId, mutate, maxAttempts, deadline);
      } finally {
        deadline.end();
      }
    },
  };
}

/** Reads the whole body, or fails when `signal` aborts (a trickling body must not hang). */
function readText(response: Response, signal: AbortSignal): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    response
      .text()
      .then(resolve, reject)
      .finally(() => signal.removeEventListener('abort', onAbort));
  });
}

function checkedMs(name: string, value: number, min = 1): number {
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
