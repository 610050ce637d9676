import { ConfigurationError } from '../errors/configuration-error.js';
import { PassfortApiError, type PassfortApiErrorDetail } from '../errors/passfort-api-error.js';
import { PassfortConflictError } from '../errors/passfort-conflict-error.js';
import type { CollectedData } from '../events/collected-data-schema.js';
import { type CollectedDataChange, diffCollectedData } from '../sync/diff-collected-data.js';
import type { LoopGuard } from '../sync/loop-guard.js';

/** Options of {@link createPassfortClient}. */
export interface PassfortClientOptions {
  /** Your Passfort API key, sent as the `apikey` header. Never logged or put in an error. */
  apiKey: string;
  /**
   * @default 'https://api.passfort.com/4.0'
   * @example 'http://127.0.0.1:4010/4.0' (the local emulator)
   */
  baseUrl?: string;
  /** The `fetch` to use (for tests, proxies, instrumentation). @default globalThis.fetch */
  fetch?: typeof fetch;
  /** Per-request timeout. @default 10_000 */
  timeoutMs?: number;
  /** Told what each update writes, so the receiver can recognise the webhook it causes. */
  loopGuard?: LoopGuard;
  /** Retries of one request on 429, 5xx, timeouts and network errors. @default 3 */
  retries?: number;
  /** First retry wait, doubled each time unless Passfort sends `Retry-After`. @default 500 */
  retryDelayMs?: number;
}

/** A profile's collected_data and the ETag it was read with. */
export interface CollectedDataSnapshot {
  readonly data: CollectedData;
  /** Opaque; sent back byte for byte as `If-Match`. */
  readonly etag: string;
}

/** What {@link PassfortClient.updateCollectedData} did. */
export interface UpdateResult extends CollectedDataSnapshot {
  /** GET / POST rounds it took (more than 1 after 412s). */
  readonly attempts: number;
  /** False when `mutate` changed nothing, so nothing was posted. */
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
}

/** The part of Passfort's API this library needs: a profile's collected_data. */
export interface PassfortClient {
  getCollectedData(profileId: string): Promise<CollectedDataSnapshot>;
  /**
   * Changes a profile's collected_data without overwriting anyone else's change: GET the
   * whole data and its ETag, `mutate` a copy, POST the whole result with `If-Match`; on 412
   * re-apply `mutate` to the latest data from the 412 response (GET again if it has no
   * ETag) and retry, up to `maxAttempts`, then throw {@link PassfortConflictError}. POST
   * replaces, never merges: `mutate` returns the whole data. Returning it unchanged skips
   * the POST.
   *
   * @example
   * await passfort.updateCollectedData(profileId, (data) => ({
   *   ...data,
   *   contact_details: { ...data.contact_details, email: 'new@example.com' },
   * }));
   */
  updateCollectedData(
    profileId: string,
    mutate: (current: CollectedData) => CollectedData | Promise<CollectedData>,
    options?: UpdateOptions,
  ): Promise<UpdateResult>;
}

interface ApiResponse {
  status: number;
  etag: string | null;
  body: unknown;
}

function errorDetails(body: unknown): readonly PassfortApiErrorDetail[] {
  const errors = (body as { errors?: unknown } | null)?.errors;
  return Array.isArray(errors) ? (errors as PassfortApiErrorDetail[]) : [];
}

function retryAfterMs(header: string | null): number | undefined {
  if (header === null) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

/**
 * A small client for Passfort's collected_data API, on the platform `fetch` (every runtime).
 *
 * @example
 * const passfort = createPassfortClient({ apiKey: process.env.PASSFORT_API_KEY!, loopGuard });
 * const { data, etag } = await passfort.getCollectedData(profileId);
 */
export function createPassfortClient(options: PassfortClientOptions): PassfortClient {
  if (typeof options?.apiKey !== 'string' || options.apiKey.trim() === '') {
    throw new ConfigurationError('createPassfortClient needs an apiKey');
  }
  const apiKey = options.apiKey;
  const baseUrl = (options.baseUrl ?? 'https://api.passfort.com/4.0').replace(/\/+$/, '');
  const doFetch = options.fetch ?? globalThis.fetch;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const retries = options.retries ?? 3;
  const retryDelayMs = options.retryDelayMs ?? 500;
  const { loopGuard } = options;

  const urlOf = (profileId: string) =>
    `${baseUrl}/profiles/${encodeURIComponent(profileId)}/collected_data`;

  async function request(
    method: 'GET' | 'POST',
    profileId: string,
    init: { body?: string; ifMatch?: string } = {},
  ): Promise<ApiResponse> {
    const where = `${method} /profiles/${profileId}/collected_data`;
    for (let attempt = 0; ; attempt++) {
      let response: Response;
      try {
        const headers: Record<string, string> = { apikey: apiKey, accept: 'application/json' };
        if (init.body !== undefined) headers['content-type'] = 'application/json';
        if (init.ifMatch !== undefined) headers['if-match'] = init.ifMatch;
        response = await doFetch(urlOf(profileId), {
          method,
          headers,
          ...(init.body === undefined ? {} : { body: init.body }),
          signal: AbortSignal.timeout(timeoutMs),
        });
      } catch (cause) {
        const timedOut = (cause as Error)?.name === 'TimeoutError';
        if (attempt < retries) {
          await sleep(retryDelayMs * 2 ** attempt);
          continue;
        }
        throw new PassfortApiError(
          timedOut ? 'API_TIMEOUT' : 'API_UNREACHABLE',
          timedOut
            ? `${where} timed out after ${timeoutMs} ms`
            : `${where} could not reach Passfort`,
          {
            httpStatus: 0,
            cause: timedOut ? undefined : new Error((cause as Error)?.message ?? 'network error'),
          },
        );
      }
      const text = await response.text();
      let body: unknown = null;
      try {
        body = text === '' ? null : JSON.parse(text);
      } catch {
        body = null;
      }
      const retryable = response.status === 429 || response.status >= 500;
      if (retryable && attempt < retries) {
        await sleep(
          retryAfterMs(response.headers.get('retry-after')) ?? retryDelayMs * 2 ** attempt,
        );
        continue;
      }
      if (response.ok || response.status === 412) {
        return { status: response.status, etag: response.headers.get('etag'), body };
      }
      const errors = errorDetails(body);
      const first = typeof errors[0]?.message === 'string' ? `: ${errors[0].message}` : '';
      throw new PassfortApiError('API_ERROR', `${where} failed with ${response.status}${first}`, {
        httpStatus: response.status,
        errors,
      });
    }
  }

  async function getCollectedData(profileId: string): Promise<CollectedDataSnapshot> {
    const response = await request('GET', profileId);
    if (response.etag === null) {
      throw new PassfortApiError(
        'API_ERROR',
        `GET /profiles/${profileId}/collected_data returned no ETag`,
        {
          httpStatus: response.status,
        },
      );
    }
    return { data: response.body as CollectedData, etag: response.etag };
  }

  return {
    getCollectedData,
    async updateCollectedData(profileId, mutate, { maxAttempts = 5 } = {}) {
      let current = await getCollectedData(profileId);
      for (let attempt = 1; ; attempt++) {
        const next = await mutate(structuredClone(current.data));
        if (diffCollectedData(current.data, next, { ignore: [] }).length === 0) {
          return { ...current, attempts: attempt, written: false, unconfirmed: [] };
        }
        // Remembered before sending: Passfort may fire the webhook before we get the answer.
        await loopGuard?.rememberWrite(profileId, next);
        const response = await request('POST', profileId, {
          body: JSON.stringify(next),
          ifMatch: current.etag,
        });
        if (response.status !== 412) {
          const stored = response.body as CollectedData;
          const etag = response.etag ?? (await getCollectedData(profileId)).etag;
          const unconfirmed = diffCollectedData(next, stored);
          return { data: stored, etag, attempts: attempt, written: true, unconfirmed };
        }
        if (attempt >= maxAttempts) throw new PassfortConflictError(profileId, attempt);
        current =
          response.etag !== null && response.body !== null
            ? { data: response.body as CollectedData, etag: response.etag }
            : await getCollectedData(profileId);
      }
    },
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
