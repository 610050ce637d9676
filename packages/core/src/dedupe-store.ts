/** A value or a promise of it: stores may be synchronous or asynchronous. */
export type Awaitable<T> = T | Promise<T>;

/** What a claim found for one webhook id. */
export type ClaimOutcome =
  /** This caller now holds the id until the lease ends; `attempt` counts claims, from 1. */
  | { readonly status: 'claimed'; readonly attempt: number }
  /** The id's handlers already took effect: skip it. */
  | { readonly status: 'done' }
  /** Another live claim holds the id (a concurrent delivery of the same webhook). */
  | { readonly status: 'busy' };

/** Options of {@link DedupeStore.claim}. */
export interface ClaimOptions {
  /** How long the claim holds before it expires, so a crashed process cannot block an id. */
  readonly leaseMs: number;
}

/**
 * Remembers which webhook ids were handled, so each id's handlers take effect once.
 * Every operation takes a whole batch, so a batch costs a constant number of round trips.
 * Ids passed to one call are distinct.
 */
export interface DedupeStore {
  /** Claims ids for processing; returns one outcome per id, in the same order. */
  claim(ids: readonly string[], options: ClaimOptions): Awaitable<readonly ClaimOutcome[]>;
  /** Marks claimed ids as done, to be remembered for the store's retention. */
  complete(ids: readonly string[]): Awaitable<void>;
  /** Gives claimed ids back without completing them, so a redelivery can claim them again. */
  release(ids: readonly string[]): Awaitable<void>;
  /** Frees the store's resources. */
  close?(): Awaitable<void>;
}
