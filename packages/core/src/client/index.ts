/**
 * The Passfort API client for collected_data (ETag / If-Match / 412 retries, lost answers
 * recognised, every wait bounded). Web-standard `fetch` only, so it runs on every runtime.
 * @module
 */

export {
  PassfortApiError,
  type PassfortApiErrorCode,
  type PassfortApiErrorDetail,
} from '../errors/passfort-api-error.js';
export { PassfortConflictError } from '../errors/passfort-conflict-error.js';
export { MAX_COLLECTED_DATA_DEPTH } from '../sync/collected-data-depth.js';
export type { IsEchoOptions, PendingWrite } from '../sync/loop-guard.js';
export { type CollectedDataEdit, mergeCollectedData } from '../sync/merge-collected-data.js';
export { createPassfortClient } from './create-passfort-client.js';
export type {
  CollectedDataMutation,
  CollectedDataSnapshot,
  PassfortClient,
  ReadOptions,
  UpdateOptions,
  UpdateResult,
} from './passfort-client.js';
export type { PassfortClientOptions } from './passfort-client-options.js';
