/**
 * Every failure the library can raise, and the HTTP status the receiver answers it with.
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
  DEAD_LETTER_NOT_FOUND: 404,
  DEAD_LETTER_SUPERSEDED: 409,
  DEAD_LETTER_NOT_REPLAYABLE: 409,
  HANDLER_FAILED: 500,
  HANDLER_TIMEOUT: 500,
  INTERNAL_ERROR: 500,
  INVALID_CONFIGURATION: 500,
  STORE_UNAVAILABLE: 503,
  QUEUE_UNAVAILABLE: 503,
  IN_PROGRESS: 503,
  DEADLINE_EXCEEDED: 503,
  SHUTTING_DOWN: 503,
  /** Never an answer: what `onError` hears when the sender fell silent. */
  SENDER_SILENT: 503,
  API_ERROR: 502,
  API_CONFLICT: 409,
  API_TIMEOUT: 504,
  API_UNREACHABLE: 502,
} as const;

/** A machine-readable reason for a rejected or failed webhook request. */
export type PassfortWebhookErrorCode = keyof typeof errorStatus;
