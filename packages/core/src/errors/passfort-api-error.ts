import { PassfortWebhookError } from './passfort-webhook-error.js';

/** Passfort's description of what went wrong with an API call. */
export interface PassfortApiErrorDetail {
  readonly code?: unknown;
  readonly message?: unknown;
  readonly source?: unknown;
  readonly info?: unknown;
}

/** The codes of a failed API call. */
export type PassfortApiErrorCode = 'API_ERROR' | 'API_CONFLICT' | 'API_TIMEOUT' | 'API_UNREACHABLE';

/**
 * A call to Passfort's API failed. `httpStatus` is Passfort's status (0 when no response
 * arrived); `errors` is Passfort's `errors[]`. The API key never appears in it.
 */
export class PassfortApiError extends PassfortWebhookError {
  static override readonly codes: readonly PassfortApiErrorCode[] = [
    'API_ERROR',
    'API_CONFLICT',
    'API_TIMEOUT',
    'API_UNREACHABLE',
  ];
  override readonly name: string = 'PassfortApiError';
  declare readonly code: PassfortApiErrorCode;
  readonly httpStatus: number;
  readonly errors: readonly PassfortApiErrorDetail[];
  constructor(
    code: PassfortApiErrorCode,
    message: string,
    details: { httpStatus: number; errors?: readonly PassfortApiErrorDetail[]; cause?: unknown },
  ) {
    super(code, message, { cause: details.cause });
    this.httpStatus = details.httpStatus;
    this.errors = details.errors ?? [];
  }
}
