/** A value or a promise of it: stores may be synchronous or asynchronous. */
export type Awaitable<T> = T | Promise<T>;

/** What a claim found for one webhook id. */
export type ClaimOutcome =
  /**
   * This caller now holds the id until the lease ends. `attempt` counts the times its
   * handlers were started, this one included (from 1).
   */
  | { readonly status: 'claimed'; readonly attempt: number }
  /** The id's handlers already took effect (or it was dead-lettered): skip it. */
  | { readonly status: 'done' }
  /** Another live claim holds the id (a concurrent delivery of the same webhook). */
  | { readonly status: 'busy' };

/** Options of {@link DedupeStore.claim}. */
export interface ClaimOptions {
  /** How long the claim holds before it expires, so a crashed process cannot block an id. */
  readonly leaseMs: number;
}

/** Options of {@link DedupeStore.release}. */
export interface ReleaseOptions {
  /**
   * True when the ids' handlers ran and failed: the attempt stays counted. False (the
   * default) when they never started: the attempt the claim counted is taken back.
   */
  readonly failed?: boolean;
}

/** Why a webhook was set aside instead of being handled. */
export type DeadLetterReason = 'max-attempts' | 'schema-mismatch';

/** A webhook set aside so it no longer stalls Passfort's queue; it can be replayed. */
export interface DeadLetter {
  readonly id: string;
  readonly event: string;
  /** The webhook as received, without its `secret`. */
  readonly webhook: { readonly [key: string]: unknown };
  readonly reason: DeadLetterReason;
  /** The last error's message (never a secret). */
  readonly error: string;
  /** How many times its handlers were started. */
  readonly attempts: number;
  /** When it was set aside, in epoch milliseconds. */
  readonly failedAt: number;
  /**
   * The profile the webhook is about (`data.profile_id`), when it names one: a replay asks the
   * store which webhooks for this profile were processed after the letter was set aside.
   */
  readonly profileId?: string;
}

/** A completed webhook that names a profile (`data.profile_id`), for order-safe replay. */
export interface CompletedWebhook {
  readonly id: string;
  readonly event: string;
  readonly profileId: string;
  /**
   * Where the webhook stands in Passfort's order, in epoch ms, when it is not now: a replayed
   * dead letter is filed at the time it was set aside, so that replaying a profile's letters
   * oldest first does not make each later letter look superseded by the one before it.
   * Undefined: the store's clock, now.
   */
  readonly processedAt?: number;
}

/** Options of {@link DedupeStore.complete}. */
export interface CompleteOptions {
  /**
   * The completed webhooks among `ids` that name a profile. A store that implements
   * {@link DedupeStore.processedSince} remembers them (for its retention), so that a replayed
   * dead letter can learn that newer webhooks for its profile were processed after it.
   */
  readonly profiles?: readonly CompletedWebhook[];
}

/** A webhook processed after a dead letter, for the same profile. */
export interface ProcessedWebhook {
  readonly id: string;
  readonly event: string;
  /** When its completion was recorded, in epoch milliseconds (the store's clock). */
  readonly processedAt: number;
}

/** What {@link DedupeStore.processedSince} found. */
export interface ProcessedSince {
  /** How many webhooks for the profile were processed since then (all of them, not only those listed). */
  readonly count: number;
  /** The oldest of them, at most `limit`, oldest first. */
  readonly webhooks: readonly ProcessedWebhook[];
}

/** Options of {@link DedupeStore.processedSince}. */
export interface ProcessedSinceOptions {
  /** List at most this many. @default 20 */
  readonly limit?: number;
  /** Leave this webhook id out (the dead letter itself). */
  readonly excluding?: string;
}

/** Options of {@link DedupeStore.listDeadLetters}. */
export interface ListDeadLettersOptions {
  /** At most this many, oldest first. @default 100 */
  readonly limit?: number;
}

/**
 * Remembers which webhook ids were handled, so each id's handlers take effect once, and
 * keeps the dead letters. Every operation on ids takes a whole batch, so a batch costs a
 * constant number of round trips. Ids passed to one call are distinct.
 *
 * Implementations: `memoryStore()` (default), `redisStore()` from
 * `@passfort-webhooks/core/redis`, `postgresStore()` from `@passfort-webhooks/core/postgres`.
 */
export interface DedupeStore {
  /** Claims ids for processing; returns one outcome per id, in the same order. */
  claim(ids: readonly string[], options: ClaimOptions): Awaitable<readonly ClaimOutcome[]>;
  /**
   * Marks claimed ids as done, to be remembered for the store's retention. `options.profiles`
   * names the profiles of those that have one (see {@link processedSince}).
   */
  complete(ids: readonly string[], options?: CompleteOptions): Awaitable<void>;
  /** Gives claimed ids back without completing them, so a redelivery can claim them again. */
  release(ids: readonly string[], options?: ReleaseOptions): Awaitable<void>;
  /**
   * Extends the lease of ids whose claim is still live (claimed, lease not yet ended) to
   * `leaseMs` from now; any other id is left as it is. The receiver calls it while a handler
   * runs, so leases can be short: a crashed process's claims then end in seconds, while a
   * slow but live handler keeps its own. Optional: without it the receiver keeps the long
   * default lease (60 s).
   */
  renew?(ids: readonly string[], options: ClaimOptions): Awaitable<void>;
  /**
   * Stores a dead letter and marks its id done, in one step. The id (and, on a transactional
   * store, its effect record) is kept while the letter is, whatever the retention: a replay
   * weeks later must still find what ran.
   */
  addDeadLetter(letter: DeadLetter): Awaitable<void>;
  /**
   * The webhooks for `profileId` whose completion was recorded after `since` (epoch ms),
   * counted, and the oldest listed. A replay uses it to tell its handler, and the console, that
   * the dead letter was superseded (`ctx.replay`). Optional for other stores; every store of
   * this package has it.
   */
  processedSince?(
    profileId: string,
    since: number,
    options?: ProcessedSinceOptions,
  ): Awaitable<ProcessedSince>;
  /** Dead letters, oldest first. */
  listDeadLetters(options?: ListDeadLettersOptions): Awaitable<readonly DeadLetter[]>;
  getDeadLetter(id: string): Awaitable<DeadLetter | undefined>;
  /** Removes a dead letter (its id is then kept for the store's retention from now); true if there was one. */
  deleteDeadLetter(id: string): Awaitable<boolean>;
  countDeadLetters(): Awaitable<number>;
  /** Frees the store's resources (not a client the caller passed in). */
  close?(): Awaitable<void>;
}

/** Default retention of completed ids: outlasts Passfort's redelivery of an unacked batch. */
export const DEFAULT_RETENTION_MS = 7 * 24 * 60 * 60 * 1000;
