/**
 * One request to Passfort and what it got back, and the rules every retry follows: which
 * failures are safe to try again, how long to wait (doubling, or Passfort's `Retry-After` up
 * to `maxRetryAfterMs`), and that no request, body or wait outlasts `timeoutMs` or the call's
 * deadline. The read and the update flow differ only in which answers they retry, so the
 * timing and error rules live here once; every error leaves through `apiError`, which scrubs
 * the API key out of it.
 */
import { PassfortApiError, type PassfortApiErrorDetail } from '../errors/passfort-api-error.js';
import { createRedactor, type Redact } from '../observability/redact-secrets.js';
import { parseJson } from './as-collected-data.js';
import { Deadline } from './deadline.js';
import type { ClientSettings } from './passfort-client-options.js';
import { scrubbedError, scrubbedJson } from './scrubbed-errors.js';

/** What one request got back. The body is undefined when it could not be read. */
export interface Answer {
  readonly status: number;
  readonly etag: string | null;
  readonly retryAfter: string | null;
  readonly text: string | undefined;
  readonly bodyError: PassfortApiError | undefined;
}

/** A failed request, with whether trying again is safe. */
export class RequestFailure extends Error {
  constructor(
    readonly error: PassfortApiError,
    readonly retryable: boolean,
    readonly retryAfter: string | null = null,
  ) {
    super(error.message);
  }
}

/** Passfort's `errors[]` from an error answer's body, or none. */
function errorDetails(body: unknown): readonly PassfortApiErrorDetail[] {
  const errors = (body as { errors?: unknown } | null)?.errors;
  return Array.isArray(errors) ? (errors as PassfortApiErrorDetail[]) : [];
}

/** A `Retry-After` header (seconds, or an HTTP date) in milliseconds from now. */
function retryAfterMs(header: string | null): number | undefined {
  if (header === null) return undefined;
  const seconds = Number(header);
  if (header.trim() !== '' && !Number.isNaN(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

/** Requests to one Passfort API with one client's settings; see the file's opening comment. */
export class PassfortTransport {
  /** The errors deadlines raised: never retried, never wrapped. */
  readonly #deadlineErrors = new WeakSet<PassfortApiError>();
  readonly #scrub: Redact;

  constructor(readonly settings: ClientSettings) {
    this.#scrub = createRedactor([settings.apiKey]);
  }

  /** A `PassfortApiError` with the API key scrubbed from its message, details and causes. */
  apiError(
    code: PassfortApiError['code'],
    message: string,
    details: { httpStatus: number; errors?: readonly PassfortApiErrorDetail[]; cause?: unknown },
  ): PassfortApiError {
    return new PassfortApiError(code, this.#scrub(message), {
      httpStatus: details.httpStatus,
      errors: scrubbedJson(details.errors ?? [], this.#scrub),
      cause: scrubbedError(details.cause, this.#scrub),
    });
  }

  /** The deadline of one call, whose error is never retried or wrapped. */
  startDeadline(what: string, ms: number): Deadline<PassfortApiError> {
    return new Deadline(ms, () => {
      const error = this.apiError(
        'API_TIMEOUT',
        `${what} did not finish within its deadline of ${ms} ms`,
        { httpStatus: 0 },
      );
      this.#deadlineErrors.add(error);
      return error;
    });
  }

  /** The answer's status as an error, and whether trying again is safe. */
  statusFailure(where: string, answer: Answer): RequestFailure {
    const { status } = answer;
    if (status >= 300 && status < 400) {
      return new RequestFailure(
        this.apiError(
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
      this.apiError('API_ERROR', `${where} failed with ${status}${first}`, {
        httpStatus: status,
        errors,
        cause: answer.bodyError,
      }),
      status === 429 || status >= 500,
      answer.retryAfter,
    );
  }

  /** Waits before retry `attempt`, or ends the call when the wait is too long. */
  async backoff(
    attempt: number,
    failure: RequestFailure,
    deadline: Deadline<PassfortApiError>,
  ): Promise<void> {
    const asked = retryAfterMs(failure.retryAfter);
    const { maxRetryAfterMs, retryDelayMs } = this.settings;
    const { error } = failure;
    if (asked !== undefined && asked > maxRetryAfterMs) {
      throw this.apiError(
        error.code,
        `${error.message}; Passfort asked to retry after ${Math.round(asked / 1000)} s, more than maxRetryAfterMs (${maxRetryAfterMs} ms)`,
        { httpStatus: error.httpStatus, errors: error.errors, cause: error.cause },
      );
    }
    const wait = asked ?? retryDelayMs * 2 ** attempt;
    if (wait >= deadline.remaining()) {
      throw this.apiError(
        'API_TIMEOUT',
        `${error.message}; no time left to retry within the deadline of ${deadline.ms} ms`,
        { httpStatus: error.httpStatus, errors: error.errors, cause: error },
      );
    }
    await deadline.sleep(wait);
  }

  /** One request and its whole body, within `timeoutMs` and the deadline. */
  async exchange(
    method: 'GET' | 'POST',
    profileId: string,
    init: { body?: string; ifMatch?: string },
    deadline: Deadline<PassfortApiError>,
  ): Promise<Answer> {
    deadline.check();
    const { apiKey, baseUrl, timeoutMs } = this.settings;
    // Called as a plain function: some runtimes' fetch throws when `this` is not theirs.
    const doFetch = this.settings.fetch;
    const where = `${method} /profiles/${profileId}/collected_data`;
    const isDeadline = (error: PassfortApiError) => this.#deadlineErrors.has(error);
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
        return this.apiError('API_TIMEOUT', `${where} timed out after ${timeoutMs} ms${during}`, {
          httpStatus: 0,
          cause,
        });
      }
      return this.apiError(
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
        response = await doFetch(
          `${baseUrl}/profiles/${encodeURIComponent(profileId)}/collected_data`,
          {
            method,
            headers,
            // A redirect would carry the apikey header to wherever it points.
            redirect: 'manual',
            ...(init.body === undefined ? {} : { body: init.body }),
            signal: controller.signal,
          },
        );
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
