/**
 * The Passfort API client for collected_data (ETag / If-Match / 412 retries). Web-standard
 * `fetch` only, so it runs on every runtime.
 * @module
 */
export {
  type CollectedDataSnapshot,
  createPassfortClient,
  type PassfortClient,
  type PassfortClientOptions,
  type UpdateOptions,
  type UpdateResult,
} from './client/passfort-client.js';
export {
  PassfortApiError,
  type PassfortApiErrorDetail,
  PassfortConflictError,
} from './errors.js';
