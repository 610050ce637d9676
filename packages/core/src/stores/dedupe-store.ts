/** A value or a promise of it: stores may be synchronous or asynchronous. */
export type Awaitable<T> = T | Promise<T>;

/** What a claim found for one webhook id. */
export type ClaimOutcome =
  /**
   * This caller now holds the id until the lease ends. `attempt` is the run its handlers make
   * now: the runs counted so far, plus this one (from 1), whether or not this claim counted it
   * (see {@link ClaimOptions.starts}).
   */
  | { readonly status: 'claimed'; readonly attempt: number }
  /**
   * The id's handlers already took effect (or it was dead-lettered): skip it. `fingerprint`:
   * what the claim that processed it was given (see {@link ClaimOptions.fingerprints}), when
   * the store keeps fingerprints and was given one.
   */
  | { readonly status: 'done'; readonly fingerprint?: string }
  /** Another live claim holds the id (a concurrent delivery of the same webhook). */
  | { readonly status: 'busy' };

/** Who holds a claim: the fencing token of {@link DedupeStore}'s owner checks. */
export interface OwnerOption {
  /**
   * Who makes the call: a random id per receiver or worker instance. A claim records it;
   * `complete`, `release`, `renew` (and `transactOnce` on a transactional store) by another
   * owner than the one that holds the id (claimed, whether or not its lease has ended, or done)
   * are refused, so a delivery that was paused past its lease (a GC pause, a frozen VM) and
   * taken over cannot complete, release or extend the claim of the delivery that took it over.
   * An id whose claim recorded no owner, or a call that names none, is not checked: that is
   * how callers without an owner (and stores from before owners) keep working.
   */
  readonly owner?: string;
}

/** Options of {@link DedupeStore.claim} and {@link DedupeStore.renew}. */
export interface ClaimOptions extends OwnerOption {
  /** How long the claim holds before it expires, so a crashed process cannot block an id. */
  readonly leaseMs: number;
  /**
   * Whose handlers start now, and so are counted as an attempt by this claim. `'all'` (the
   * default): every id the call claims. `'first'`: only `ids[0]`, when the call claims it; the
   * others run later, in order, if at all, and are counted when they start (a completion
   * write's {@link CompleteOptions.started}, or a failed {@link DedupeStore.release}). Then a
   * process that crashes while running the first webhook of a batch costs an attempt to that
   * webhook only, not to every webhook of the batch it claimed. A store that ignores it counts
   * every id, as before.
   */
  readonly starts?: 'all' | 'first';
  /**
   * One per id, aligned with `ids`: a short fingerprint of the webhook (its event and a hash of
   * its payload, never a payload value). A store that keeps fingerprints records it with the
   * claim, and reports it back when a later claim finds the id done, so that the same id
   * arriving with another event or payload can be told apart from a redelivery. Optional.
   */
  readonly fingerprints?: readonly string[];
}

/** Options of {@link DedupeStore.release}. */
export interface ReleaseOptions extends OwnerOption {
  /**
   * True when the ids' handlers ran and failed: the attempt is counted (if their claim did
   * not count it already). False (the default) when they never started: an attempt their claim
   * or a `started` mark counted is taken back.
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
export interface CompleteOptions extends OwnerOption {
  /**
   * The completed webhooks among `ids` that name a profile. A store that implements
   * {@link DedupeStore.processedSince} remembers them (for its retention), so that a replayed
   * dead letter can learn that newer webhooks for its profile were processed after it.
   */
  readonly profiles?: readonly CompletedWebhook[];
  /**
   * An id (not among `ids`) that this owner holds and whose handlers start now: counted as an
   * attempt in the same write, once per claim (see {@link ClaimOptions.starts}). It rides on
   * the completion of the webhook before it, a write that happens anyway; `ids` may then be
   * empty. An id that is not claimed by this owner any more is left as it is.
   */
  readonly started?: string;
}

/** What {@link DedupeStore.complete} did, when the store checks owners. */
export interface CompleteResult {
  /**
   * The ids not completed because another owner holds them (see {@link OwnerOption.owner}):
   * another delivery took the claim over after this one's lease ended. Empty when none.
   */
  readonly refused: readonly string[];
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
  /**
   * Claims ids for processing; returns one outcome per id, in the same order. Leases are
   * measured by a clock no caller's clock can move: the database's (one clock for every
   * process), or a monotonic one in a store that lives in one process.
   */
  claim(ids: readonly string[], options: ClaimOptions): Awaitable<readonly ClaimOutcome[]>;
  /**
   * Marks claimed ids as done, to be remembered for the store's retention. `options.profiles`
   * names the profiles of those that have one (see {@link processedSince}). With an `owner`,
   * an id another owner holds is not completed, and is reported in `refused`; a store that
   * does not check owners returns nothing.
   */
  complete(
    ids: readonly string[],
    options?: CompleteOptions,
    // biome-ignore lint/suspicious/noConfusingVoidType: stores written before owners return void, and must keep compiling
  ): Awaitable<CompleteResult | undefined | void>;
  /**
   * Gives claimed ids back without completing them, so a redelivery can claim them again.
   * With an `owner`, ids another owner holds are left as they are.
   */
  release(ids: readonly string[], options?: ReleaseOptions): Awaitable<void>;
  /**
   * Extends the lease of ids whose claim is still live (claimed, lease not yet ended) and
   * held by `owner` (when given) to `leaseMs` from now; any other id is left as it is. The
   * receiver calls it while a handler runs, so leases can be short: a crashed process's claims
   * then end in seconds, while a slow but live handler keeps its own. Optional: without it the
   * receiver keeps the long default lease (60 s).
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
