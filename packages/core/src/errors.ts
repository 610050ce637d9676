/**
 * Every failure the receiver can answer with, and the HTTP status it maps to.
 * One table, so an adapter never has to decide a status code itself.
 */
export const errorStatus = {
  METHOD_NOT_ALLOWED: 405,
  UNSUPPORTED_MEDIA_TYPE: 415,
  PAYLOAD_TOO_LARGE: 413,
  BATCH_TOO_LARGE: 413,
  BODY_ALREADY_READ: 400,
  INVALID_ENCODING: 400,
  INVALID_JSON: 400,
  FORBIDDEN_KEY: 400,
  INVALID_BATCH: 400,
  INVALID_ENVELOPE: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN_IP: 403,
  HANDLER_FAILED: 500,
  INTERNAL_ERROR: 500,
  STORE_UNAVAILABLE: 503,
  QUEUE_UNAVAILABLE: 503,
  IN_PROGRESS: 503,
  DEADLINE_EXCEEDED: 503,
  SHUTTING_DOWN: 503,
  API_ERROR: 502,
  API_CONFLICT: 409,
  API_TIMEOUT: 504,
  API_UNREACHABLE: 502,
} as const;

/** A machine-readable reason for a rejected or failed webhook request. */
export type PassfortWebhookErrorCode = keyof typeof errorStatus;

/** Options shared by every {@link PassfortWebhookError}. */
export interface PassfortWebhookErrorOptions {
  /** The underlying error, kept for logs; never serialised into a response. */
  cause?: unknown;
  /** Position of the offending webhook in the delivered batch. */
  index?: number;
  /** Id of the offending webhook, when it is known. */
  id?: string;
}

/**
 * Base class of every error the library raises. `status` comes from {@link errorStatus}.
 * Messages never contain a secret or a payload value.
 */
export class PassfortWebhookError extends Error {
  override readonly name: string = 'PassfortWebhookError';
  readonly code: PassfortWebhookErrorCode;
  readonly status: number;
  readonly index: number | undefined;
  readonly id: string | undefined;

  constructor(
    code: PassfortWebhookErrorCode,
    message: string,
    options: PassfortWebhookErrorOptions = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.status = errorStatus[code];
    this.index = options.index;
    this.id = options.id;
  }

  /**
   * True for any error of this library, also one thrown by another installed copy of it
   * (the check falls back to the error's shape, not only `instanceof`).
   */
  static is(error: unknown): error is PassfortWebhookError {
    if (error instanceof PassfortWebhookError) return true;
    if (!(error instanceof Error)) return false;
    const code = (error as { code?: unknown }).code;
    return typeof code === 'string' && code in errorStatus && 'status' in error;
  }
}

/** The request was not authentic: missing or wrong secret (401). */
export class AuthenticationError extends PassfortWebhookError {
  override readonly name = 'AuthenticationError';
  constructor(message: string, options?: PassfortWebhookErrorOptions) {
    super('UNAUTHORIZED', message, options);
  }
}

/** The request was malformed: method, content type, size, JSON or envelope shape (4xx). */
export class PayloadError extends PassfortWebhookError {
  override readonly name = 'PayloadError';
}

/**
 * The webhook could not be taken on now (503): the dedupe store or queue is unreachable,
 * another delivery holds it, the response deadline was reached, or the receiver is closing.
 */
export class StoreError extends PassfortWebhookError {
  override readonly name = 'StoreError';
}

/** A handler threw while processing a webhook (500). `cause` is the handler's error. */
export class HandlerError extends PassfortWebhookError {
  override readonly name = 'HandlerError';
  /** The event name of the webhook whose handler failed. */
  readonly event: string;
  constructor(event: string, options: PassfortWebhookErrorOptions) {
    super(
      'HANDLER_FAILED',
      `A handler failed for webhook ${options.id ?? ''} (${event}) at index ${options.index ?? '?'}`,
      options,
    );
    this.event = event;
  }
}

/**
 * A webhook of a known event whose payload does not match the event's schema. It is
 * still delivered to `onAny` as an unvalidated event, and `onError` hears this error.
 */
export class SchemaMismatchError extends PassfortWebhookError {
  override readonly name = 'SchemaMismatchError';
  /** Paths of the fields that did not match, e.g. `data.new_status`. Never values. */
  readonly paths: readonly string[];
  constructor(event: string, paths: readonly string[], options: PassfortWebhookErrorOptions) {
    super(
      'INVALID_ENVELOPE',
      `Webhook ${options.id ?? ''} (${event}) does not match its schema at ${paths.join(', ')}`,
      options,
    );
    this.paths = paths;
  }
}

/** Passfort's description of what went wrong with an API call. */
export interface PassfortApiErrorDetail {
  readonly code?: unknown;
  readonly message?: unknown;
  readonly source?: unknown;
  readonly info?: unknown;
}

/**
 * A call to Passfort's API failed. `httpStatus` is Passfort's status (0 when no response
 * arrived); `errors` is Passfort's `errors[]`. The API key never appears in it.
 */
export class PassfortApiError extends PassfortWebhookError {
  override readonly name: string = 'PassfortApiError';
  readonly httpStatus: number;
  readonly errors: readonly PassfortApiErrorDetail[];
  constructor(
    code: 'API_ERROR' | 'API_CONFLICT' | 'API_TIMEOUT' | 'API_UNREACHABLE',
    message: string,
    details: { httpStatus: number; errors?: readonly PassfortApiErrorDetail[]; cause?: unknown },
  ) {
    super(code, message, { cause: details.cause });
    this.httpStatus = details.httpStatus;
    this.errors = details.errors ?? [];
  }
}

/** `updateCollectedData` met a 412 on every attempt: someone else kept changing the profile. */
export class PassfortConflictError extends PassfortApiError {
  override readonly name = 'PassfortConflictError';
  readonly attempts: number;
  constructor(profileId: string, attempts: number) {
    super(
      'API_CONFLICT',
      `collected_data of profile ${profileId} kept changing: gave up after ${attempts} attempts`,
      {
        httpStatus: 412,
      },
    );
    this.attempts = attempts;
  }
}

/** Thrown by factories at start-up for a wrong option; never at request time. */
export class ConfigurationError extends Error {
  override readonly name = 'ConfigurationError';
  constructor(message: string) {
    super(`[passfort-webhooks] ${message}`);
  }
}
