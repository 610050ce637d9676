import type { Logger } from '../../observability/logger.js';
import type {
  CompletedWebhook,
  CompleteOptions,
  CompleteResult,
  DedupeStore,
} from '../../stores/dedupe-store.js';
import { isThenable } from '../run/is-thenable.js';
import { CompletionGroup, groupOf, WRITTEN } from './completion-group.js';
import { forgetUnrecordedRuns, rememberUnrecordedRun } from './unrecorded-runs.js';

/** Who records completions: the owner the store checks them against, and where refusals go. */
export interface CompletionFence {
  readonly owner: string;
  readonly logger: Logger;
}

/**
 * Records completed ids as soon as each finishes, grouping the ones that finish while a
 * write is in flight into the next write. Fast handlers on a networked store cost two round
 * trips per batch; slow ones get their own write right away, so a crash loses no finished
 * record. A store that answers synchronously (the memory store) records each id at once,
 * and nothing waits for a promise.
 *
 * Each write also carries the start of the webhook that runs next ({@link next}), so that its
 * attempt is counted before its handlers can crash the process, without a write of its own.
 * With a {@link CompletionFence}, the store refuses the completion of an id another delivery
 * took over after this one's lease ended: that is logged, and {@link lost} stops the batch.
 */
export class GroupedCompletions {
  readonly #store: DedupeStore;
  readonly #fence: CompletionFence | undefined;
  /** The options of a write that names no profile and marks no start, made once. */
  readonly #plain: CompleteOptions | undefined;
  #next: CompletionGroup | undefined;
  #writing = false;
  /** True once any write failed: no further handler should start. */
  failed = false;
  /**
   * True once the store refused a completion: another delivery holds a claim this one held
   * (its lease ended, a pause or a frozen VM, and the claim was taken over). No further
   * handler should start: the delivery that took it over runs them.
   */
  lost = false;
  /** The ids whose completion the store refused (see {@link lost}). */
  readonly refused: string[] = [];
  /**
   * The ids whose run the store counted, as far as a failed write needs to know: the one the
   * claim counted ({@link countedByClaim}), those whose start rode on a write that succeeded
   * asynchronously (a store answering synchronously fails synchronously, if ever: its marks
   * are not kept), and those already remembered. The set is made with the first of those.
   */
  #claimCounted: string | undefined;
  #counted: Set<string> | undefined;
  /**
   * The id whose handlers start once the webhook being recorded is done, when the store has
   * not counted its attempt yet (the batch loop sets it before each webhook runs). The write
   * that records the webhook counts it (`CompleteOptions.started`); a crash after that costs
   * the attempt to the webhook that was running, and only to it.
   */
  next: string | undefined;

  readonly #hasStarted: ((id: string) => boolean) | undefined;

  /**
   * `hasStarted`: whether the handlers of an id have started, given by the batch loop, whose
   * webhooks' runs are counted as they start: a write that fails then leaves runs uncounted,
   * and they are remembered (see {@link unrecordedRuns}). Without it every run is taken to be
   * counted by its claim (a queue worker's).
   */
  constructor(store: DedupeStore, fence?: CompletionFence, hasStarted?: (id: string) => boolean) {
    this.#store = store;
    this.#fence = fence;
    this.#plain = fence === undefined ? undefined : { owner: fence.owner };
    this.#hasStarted = hasStarted;
  }

  /** The id whose run the claim counted (the batch's first). */
  countedByClaim(id: string): void {
    this.#claimCounted = id;
  }

  #isCounted(id: string): boolean {
    return id === this.#claimCounted || this.#counted?.has(id) === true;
  }

  #count(id: string): void {
    if (this.#counted === undefined) this.#counted = new Set();
    this.#counted.add(id);
  }

  /**
   * Records `id` as done; returns the group whose write carries it. `profile` is the webhook
   * as `complete(ids, { profiles })` names it, when it names a profile (see `completedWebhook`).
   */
  add(id: string, profile?: CompletedWebhook): CompletionGroup {
    if (this.#writing) {
      this.#next ??= new CompletionGroup();
      this.#next.ids.push(id);
      this.#next.started = this.next;
      if (profile !== undefined) {
        this.#next.profiles ??= [];
        this.#next.profiles.push(profile);
      }
      return this.#next;
    }
    // Nothing in flight (so nothing gathered either): this id is written on its own, now.
    return this.#start([id], undefined, profile === undefined ? undefined : [profile], this.next);
  }

  /**
   * Counts the attempt of `id`, whose handlers start now and which no completion write counts
   * (the first webhook to run when the batch's first ids were done already): with the write in
   * flight's successor, else a write of its own, not waited for, as completions are not.
   */
  start(id: string): void {
    if (this.#writing) {
      this.#next ??= new CompletionGroup();
      this.#next.started = id;
      return;
    }
    this.#start([], undefined, undefined, id);
  }

  /** Writes the groups that gathered while the previous write was in flight. */
  #write(): void {
    while (this.#next !== undefined && !this.#writing) {
      const group = this.#next;
      this.#next = undefined;
      this.#start(group.ids, group, group.profiles, group.started);
    }
  }

  /**
   * Starts the write of `ids`; returns their group. A synchronous success settles at once
   * (as the shared WRITTEN when no group was made yet); a promise marks a write in flight.
   */
  #start(
    ids: string[],
    group: CompletionGroup | undefined,
    profiles: CompletedWebhook[] | undefined,
    started: string | undefined,
  ): CompletionGroup {
    let written: unknown;
    try {
      // No options object made unless a profile is named or a start counted: the memory
      // store's path stays as cheap as it was for the webhooks (most of them) that need none.
      const plain = this.#plain;
      written =
        profiles !== undefined || started !== undefined
          ? this.#store.complete(ids, this.#options(profiles, started))
          : plain === undefined
            ? this.#store.complete(ids)
            : this.#store.complete(ids, plain);
    } catch (error) {
      const failed = group ?? groupOf(ids);
      failed.started = started;
      this.#fail(failed, error);
      return failed;
    }
    if (!isThenable(written)) {
      this.#refused(written);
      forgetUnrecordedRuns(this.#store, ids);
      if (group === undefined) return WRITTEN;
      group.succeed();
      return group;
    }
    const pending = group ?? groupOf(ids);
    pending.started = started;
    this.#writing = true;
    written.then(
      (result: unknown) => {
        this.#refused(result);
        forgetUnrecordedRuns(this.#store, ids);
        if (started !== undefined && this.#hasStarted !== undefined) this.#count(started);
        pending.succeed();
        this.#writing = false;
        this.#write();
      },
      (error: unknown) => {
        this.#fail(pending, error);
        this.#writing = false;
        this.#write();
      },
    );
    return pending;
  }

  #options(profiles: CompletedWebhook[] | undefined, started: string | undefined): CompleteOptions {
    // Assigned, not spread: this runs for most completions, and spreads cost an object each.
    const options: { owner?: string; profiles?: CompletedWebhook[]; started?: string } = {};
    const owner = this.#fence?.owner;
    if (owner !== undefined) options.owner = owner;
    if (profiles !== undefined) options.profiles = profiles;
    if (started !== undefined) options.started = started;
    return options;
  }

  /** Logs the ids a write's answer says were refused (another delivery holds them). */
  #refused(result: unknown): void {
    const refused = (result as CompleteResult | undefined)?.refused;
    if (refused === undefined || refused.length === 0 || this.#fence === undefined) return;
    this.lost = true;
    this.refused.push(...refused);
    this.#fence.logger.warn?.(
      { ids: [...refused] },
      "completion refused: another delivery took the claim over after this one's lease ended",
    );
  }

  #fail(group: CompletionGroup, error: unknown): void {
    const hasStarted = this.#hasStarted;
    if (hasStarted !== undefined) {
      // Their handlers ran (the ids), or may have (the start carried), uncounted: the re-run
      // after the outage must still be told it is one.
      // Counted from then on: one run is remembered once, by whichever write it rode on.
      for (const id of group.ids) {
        if (this.#isCounted(id)) continue;
        rememberUnrecordedRun(this.#store, id);
        this.#count(id);
      }
      const started = group.started;
      if (started !== undefined && !this.#isCounted(started) && hasStarted(started)) {
        rememberUnrecordedRun(this.#store, started);
        this.#count(started);
      }
    }
    this.failed = true;
    group.fail(error);
  }
}
