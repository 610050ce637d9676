import type { CompletedWebhook, DedupeStore } from '../stores/dedupe-store.js';
import { isThenable } from './is-thenable.js';

/** Completed ids recorded by one store write; its outcome is readable without awaiting. */
export class CompletionGroup {
  readonly ids: string[] = [];
  /**
   * The webhooks among {@link ids} that name a profile, for order-safe replay; made only when
   * one does, so a batch without profiles makes no array for them.
   */
  profiles: CompletedWebhook[] | undefined;
  #settled = false;
  #failed = false;
  #error: unknown;
  #waiting: { resolve(): void; reject(error: unknown): void } | undefined;
  #promise: Promise<void> | undefined;

  /** True once the write finished, either way. */
  get settled(): boolean {
    return this.#settled;
  }

  /** True when the write failed; {@link error} holds why. */
  get failed(): boolean {
    return this.#failed;
  }

  /** The store's error, when the write failed. */
  get error(): unknown {
    return this.#error;
  }

  /** Resolves when the ids are recorded; rejects with the store's error. */
  written(): Promise<void> {
    if (this.#promise === undefined) {
      if (!this.#settled) {
        this.#promise = new Promise<void>((resolve, reject) => {
          this.#waiting = { resolve, reject };
        });
      } else {
        this.#promise = this.#failed ? Promise.reject(this.#error) : Promise.resolve();
      }
    }
    return this.#promise;
  }

  succeed(): void {
    this.#settled = true;
    this.#waiting?.resolve();
  }

  fail(error: unknown): void {
    this.#settled = true;
    this.#failed = true;
    this.#error = error;
    this.#waiting?.reject(error);
  }
}

/**
 * The group of every id a synchronous store recorded at once: settled and succeeded, shared
 * so that a batch on the memory store makes no group per webhook. Nothing is ever added.
 */
const WRITTEN = new CompletionGroup();
WRITTEN.succeed();
Object.freeze(WRITTEN.ids);

/**
 * Records completed ids as soon as each finishes, grouping the ones that finish while a
 * write is in flight into the next write. Fast handlers on a networked store cost two round
 * trips per batch; slow ones get their own write right away, so a crash loses no finished
 * record. A store that answers synchronously (the memory store) records each id at once,
 * and nothing waits for a promise.
 */
export class GroupedCompletions {
  readonly #store: DedupeStore;
  #next: CompletionGroup | undefined;
  #writing = false;
  /** True once any write failed: no further handler should start. */
  failed = false;

  constructor(store: DedupeStore) {
    this.#store = store;
  }

  /**
   * Records `id` as done; returns the group whose write carries it. `profile` is the webhook
   * as `complete(ids, { profiles })` names it, when it names a profile (see `completedWebhook`).
   */
  add(id: string, profile?: CompletedWebhook): CompletionGroup {
    if (this.#writing) {
      this.#next ??= new CompletionGroup();
      this.#next.ids.push(id);
      if (profile !== undefined) {
        this.#next.profiles ??= [];
        this.#next.profiles.push(profile);
      }
      return this.#next;
    }
    // Nothing in flight (so nothing gathered either): this id is written on its own, now.
    return this.#start([id], undefined, profile === undefined ? undefined : [profile]);
  }

  /** Writes the groups that gathered while the previous write was in flight. */
  #write(): void {
    while (this.#next !== undefined && !this.#writing) {
      const group = this.#next;
      this.#next = undefined;
      this.#start(group.ids, group, group.profiles);
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
  ): CompletionGroup {
    let written: unknown;
    try {
      // No options object unless a profile is named: the memory store's path stays as cheap
      // as it was for the webhooks (most of them) that name none.
      written =
        profiles === undefined
          ? this.#store.complete(ids)
          : this.#store.complete(ids, { profiles });
    } catch (error) {
      const failed = group ?? groupOf(ids);
      this.#fail(failed, error);
      return failed;
    }
    if (!isThenable(written)) {
      if (group === undefined) return WRITTEN;
      group.succeed();
      return group;
    }
    const pending = group ?? groupOf(ids);
    this.#writing = true;
    written.then(
      () => {
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

  #fail(group: CompletionGroup, error: unknown): void {
    this.failed = true;
    group.fail(error);
  }
}

function groupOf(ids: readonly string[]): CompletionGroup {
  const group = new CompletionGroup();
  group.ids.push(...ids);
  return group;
}
