/**
 * What the client promises its callers: the `PassfortClient` interface and the shapes it reads
 * and returns. Kept apart from the code that keeps those promises, so the contract reads in one
 * place and the transport, the read and the update flow can each name it without importing
 * one another.
 */
import type { PassfortConflictError } from '../errors/passfort-conflict-error.js';
import type { CollectedData } from '../events/collected-data-schema.js';
import type { CollectedDataChange } from '../sync/diff-collected-data.js';
import type { CollectedDataEdit, mergeCollectedData } from '../sync/merge-collected-data.js';

/** A profile's collected_data and the ETag it was read with. */
export interface CollectedDataSnapshot {
  readonly data: CollectedData;
  /** Opaque; sent back byte for byte as `If-Match`. */
  readonly etag: string;
}

/**
 * What {@link PassfortClient.updateCollectedData} did. `data` and `etag` are a pair: the
 * profile's collected_data at that ETag (after a 204 or an ETag-less 200, both come from a
 * read; in the rare case that read fails too, `data` is what was written and `etag` is '').
 */
export interface UpdateResult extends CollectedDataSnapshot {
  /** POST rounds it took (more than 1 after 412s or a lost answer). */
  readonly attempts: number;
  /**
   * True when Passfort holds our change: a POST was accepted, or the answer to one was
   * lost and a read showed it had landed. False when `mutate` changed nothing, so nothing
   * was posted.
   */
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
  /** This call's overall limit. @default the client's `deadlineMs` (60_000) */
  deadlineMs?: number;
}

/** Options of {@link PassfortClient.getCollectedData}. */
export interface ReadOptions {
  /** This call's overall limit. @default the client's `deadlineMs` (60_000) */
  deadlineMs?: number;
}

/** A change of collected_data as a function of the latest data: returns the whole new data. */
export type CollectedDataMutation = (
  current: CollectedData,
) => CollectedData | Promise<CollectedData>;

/** The part of Passfort's API this library needs: a profile's collected_data. */
export interface PassfortClient {
  /**
   * The profile's collected_data and its ETag. An answer that is not collected_data (empty,
   * not JSON, not an object, an `errors` answer) is read again, then is a `PassfortApiError`.
   */
  getCollectedData(profileId: string, options?: ReadOptions): Promise<CollectedDataSnapshot>;
  /**
   * Changes a profile's collected_data without overwriting anyone else's change: GET the
   * whole data and its ETag, `mutate` a copy, POST the whole result with `If-Match`; on 412
   * re-apply `mutate` to the latest data from the 412 response (read again when that answer
   * is not the profile's collected_data or has no ETag) and retry, up to `maxAttempts`, then
   * throw {@link PassfortConflictError}. POST replaces, never merges: `mutate` returns the
   * whole data. Returning it unchanged skips the POST.
   *
   * Instead of `mutate`, pass the edit you made to your own copy, `{ before, after }`: it is
   * applied to the latest data with {@link mergeCollectedData}'s rules (only what the edit
   * changed; arrays without ids replaced whole).
   *
   * When the answer to a POST is lost (a 5xx, a timeout, a reset connection), the write may
   * have landed: the client reads the latest data and, if it holds what was sent, counts it
   * as written without running `mutate` again, so an append never lands twice. It settles
   * within `deadlineMs`; every failure is a `PassfortApiError` whose `cause` says why.
   *
   * @example
   * await passfort.updateCollectedData(profileId, (data) => ({
   *   ...data,
   *   contact_details: { ...data.contact_details, email: 'new@example.com' },
   * }));
   * @example
   * await passfort.updateCollectedData(profileId, { before: savedCopy, after: editedCopy });
   */
  updateCollectedData(
    profileId: string,
    change: CollectedDataMutation | CollectedDataEdit,
    options?: UpdateOptions,
  ): Promise<UpdateResult>;
}
