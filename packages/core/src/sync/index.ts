/**
 * Keeping an app's own copy of collected data in step with Passfort (two-way sync): the
 * collected-data diff, the merge of an edit into a profile, and the loop guard that recognises
 * echoes of the app's own writes. The API client that writes is `@passfort-webhooks/core/client`.
 * @module
 */
export { MAX_COLLECTED_DATA_DEPTH } from './collected-data-depth.js';
export { type DiffOptions, PASSFORT_GENERATED_PATHS } from './compile-diff-options.js';
export { type CollectedDataChange, diffCollectedData } from './diff-collected-data.js';
export {
  createLoopGuard,
  type IsEchoOptions,
  type LoopGuard,
  type LoopGuardOptions,
  type PendingWrite,
} from './loop-guard.js';
export {
  type MemoryLoopGuardStoreOptions,
  memoryLoopGuardStore,
} from './memory-loop-guard-store.js';
export { type CollectedDataEdit, mergeCollectedData } from './merge-collected-data.js';
