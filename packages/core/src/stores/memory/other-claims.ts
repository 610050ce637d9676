import { CLAIM_BUSY } from './uuid-record-table.js';

// Claims of ids that are not UUIDs, in a Map. Passfort's ids are UUIDs, claimed in the record
// table itself (`UuidRecordTable`); these are the rare others (tests, hand-made webhooks), kept
// apart so the memory store reads as the UUID path it runs for almost every webhook.

/** A claim of an id that is not a UUID. */
export interface OtherClaim {
  leaseUntil: number;
  /** Runs counted, this claim's included once `started`. */
  attempts: number;
  started: boolean;
  /** The owner's number (0: none). */
  owner: number;
  fingerprint: string | undefined;
}

/** True when a call by `owner` may act on an id `holder` holds (0 on either side: unchecked). */
export const mayAct = (holder: number, owner: number) =>
  owner === 0 || holder === 0 || holder === owner;

/** The memory store's claims of ids that are not UUIDs, oldest claim first. */
export class OtherClaims {
  readonly #claims = new Map<string, OtherClaim>();

  get size(): number {
    return this.#claims.size;
  }

  get(id: string): OtherClaim | undefined {
    return this.#claims.get(id);
  }

  delete(id: string): void {
    this.#claims.delete(id);
  }

  /**
   * Claims `id` at `at` for `leaseMs` for `owner`, unless under a live lease ({@link CLAIM_BUSY}).
   * `counts`: its handlers start now. Returns the attempt its handlers make, from 1. The
   * caller has checked it is not done.
   */
  claim(
    id: string,
    at: number,
    leaseMs: number,
    owner: number,
    counts: boolean,
    fingerprint: string | undefined,
  ): number {
    const claim = this.#claims.get(id);
    if (claim !== undefined && claim.leaseUntil > at) return CLAIM_BUSY;
    const runs = claim?.attempts ?? 0;
    // Re-inserted so the Map's order stays the order of the latest claims.
    if (claim !== undefined) this.#claims.delete(id);
    this.#claims.set(id, {
      leaseUntil: at + leaseMs,
      attempts: counts ? runs + 1 : runs,
      started: counts,
      owner,
      fingerprint,
    });
    return runs + 1;
  }

  /** Counts the attempt of a claim whose handlers start now (see `CompleteOptions.started`). */
  start(id: string, owner: number, at: number): void {
    const claim = this.#claims.get(id);
    if (claim === undefined || claim.started || claim.leaseUntil <= at) return;
    if (!mayAct(claim.owner, owner)) return;
    claim.started = true;
    claim.attempts++;
  }

  /** Gives a claim back (see {@link UuidRecordTable.release}). */
  release(id: string, failed: boolean, owner: number): void {
    const claim = this.#claims.get(id);
    if (claim === undefined || !mayAct(claim.owner, owner)) return;
    claim.leaseUntil = 0;
    claim.owner = 0;
    if (failed && !claim.started) claim.attempts++;
    else if (!failed && claim.started) claim.attempts = Math.max(0, claim.attempts - 1);
    claim.started = false;
  }

  /** Extends a live claim's lease, unless another `owner` holds it. */
  renew(id: string, at: number, leaseMs: number, owner: number): void {
    const claim = this.#claims.get(id);
    if (claim !== undefined && claim.leaseUntil > at && mayAct(claim.owner, owner)) {
      claim.leaseUntil = at + leaseMs;
    }
  }

  /** Forgets the oldest claims beyond `keep`: ids never completed nor redelivered. */
  forgetOldest(keep: number): void {
    // Checked before iterating: a Map's iterator first steps over every entry deleted since its
    // last rehash, which with many claims outstanding cost tens of µs per completion.
    if (this.#claims.size <= keep) return;
    for (const id of this.#claims.keys()) {
      if (this.#claims.size <= keep) break;
      this.#claims.delete(id);
    }
  }
}
