import type { PassfortWebhookErrorCode } from './error-status.js';
import {
  PassfortWebhookError,
  type PassfortWebhookErrorOptions,
} from './passfort-webhook-error.js';

/** The codes of a malformed request. */
export type PayloadErrorCode = Extract<
  PassfortWebhookErrorCode,
  | 'METHOD_NOT_ALLOWED'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'PAYLOAD_TOO_LARGE'
  | 'BATCH_TOO_LARGE'
  | 'BODY_ALREADY_READ'
  | 'INVALID_ENCODING'
  | 'INVALID_JSON'
  | 'FORBIDDEN_KEY'
  | 'INVALID_BATCH'
  | 'INVALID_ENVELOPE'
>;

/** The request was malformed: method, content type, size, encoding, JSON or envelope shape (4xx). */
export class PayloadError extends PassfortWebhookError {
  static override readonly codes: readonly PayloadErrorCode[] = [
    'METHOD_NOT_ALLOWED',
    'UNSUPPORTED_MEDIA_TYPE',
    'PAYLOAD_TOO_LARGE',
    'BATCH_TOO_LARGE',
    'BODY_ALREADY_READ',
    'INVALID_ENCODING',
    'INVALID_JSON',
    'FORBIDDEN_KEY',
    'INVALID_BATCH',
    'INVALID_ENVELOPE',
  ];
  override readonly name: string = 'PayloadError';
  declare readonly code: PayloadErrorCode;
  constructor(code: PayloadErrorCode, message: string, options?: PassfortWebhookErrorOptions) {
    super(code, message, options);
  }
}
