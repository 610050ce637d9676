import type { DedupeStore } from './dedupe-store.js';
import { isThenable } from './is-thenable.js';

/** Completed ids recorded by one store write; its outcome is readable without awaiting. */
export class CompletionGroup {
  readonly ids: string[] = [];
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

  /** Records `id` as done; returns the group whose write carries it. */
  add(id: string): CompletionGroup {
    this.#next ??= new CompletionGroup();
    const group = this.#next;
    group.ids.push(id);
    if (!this.#writing) this.#write();
    return group;
  }

  #write(): void {
    this.#writing = true;
    while (this.#next !== undefined) {
      const group = this.#next;
      this.#next = undefined;
      let written: unknown;
      try {
        written = this.#store.complete(group.ids);
      } catch (error) {
        this.#fail(group, error);
        continue;
      }
      if (isThenable(written)) {
        written.then(
          () => {
            group.succeed();
            this.#write();
          },
          (error: unknown) => {
            this.#fail(group, error);
            this.#write();
          },
        );
        return;
      }
      group.succeed();
    }
    this.#writing = false;
  }

  #fail(group: CompletionGroup, error: unknown): void {
    this.failed = true;
    group.fail(error);
  }
}
