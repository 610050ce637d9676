/**
 * The Passfort API client for collected_data (ETag / If-Match / 412 retries). Web-standard
 * `fetch` only, so it runs on every runtime.
 * @module
 */

export {
  PassfortApiError,
  type PassfortApiErrorCode,
  type PassfortApiErrorDetail,
} from '../errors/passfort-api-error.js';
export { PassfortConflictError } from '../errors/passfort-conflict-error.js';
export {
  type CollectedDataSnapshot,
  createPassfortClient,
  type PassfortClient,
  type PassfortClientOptions,
  type UpdateOptions,
  type UpdateResult,
} from './passfort-client.js';
