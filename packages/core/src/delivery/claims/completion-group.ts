import type { CompletedWebhook } from '../../stores/dedupe-store.js';

/** Completed ids recorded by one store write; its outcome is readable without awaiting. */
export class CompletionGroup {
  readonly ids: string[] = [];
  /**
   * The webhooks among {@link ids} that name a profile, for order-safe replay; made only when
   * one does, so a batch without profiles makes no array for them.
   */
  profiles: CompletedWebhook[] | undefined;
  /** The id whose handlers start once these are done, counted by this write (see `next`). */
  started: string | undefined;
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
export const WRITTEN = new CompletionGroup();
WRITTEN.succeed();
Object.freeze(WRITTEN.ids);

/** A group for `ids`, to be settled by their write. */
export function groupOf(ids: readonly string[]): CompletionGroup {
  const group = new CompletionGroup();
  group.ids.push(...ids);
  return group;
}
