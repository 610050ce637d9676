import { UuidExpiryRing } from './uuid-expiry-ring.js';
import { writeKey } from './uuid-key.js';
import {
  ATTEMPTS,
  CLAIMED,
  EMPTY,
  HOLDER,
  LEASE,
  LEASE_SPAN,
  mayAct,
  PRINT,
  STARTED,
  STATE,
  STRIDE,
} from './uuid-record-layout.js';
import { UuidSlots } from './uuid-slots.js';

/** What {@link UuidRecordTable.claim} found, when it did not claim: attempts are ≥ 1. */
export const CLAIM_DONE = -1;
export const CLAIM_BUSY = -2;

/**
 * The memory store's records of UUID ids, in flat typed arrays: each id is either done
 * (with the tick its memory expires) or claimed (attempts, whether they started, the lease's
 * end), with who holds it and its fingerprint. About 32 bytes an id against about 130 for a
 * Map of strings, which is what lets the memory store remember a million ids in well under
 * 150 MB; and a claim, its completion and the lookup before them touch one record, found by
 * one probe, with no object made.
 *
 * The records sit in {@link UuidSlots} (open addressing, found by one probe); their layout is
 * in `uuid-record-layout.ts`. Done records are also kept in insertion order in a ring
 * ({@link UuidExpiryRing}), so the oldest can be forgotten first.
 */
export class UuidRecordTable {
  readonly #table = new UuidSlots();
  #done = 0;
  #claims = 0;
  #leaseBase = 0;
  // Done records in insertion order, so the oldest is forgotten first. Entries may be stale
  // (forgotten, claimed again or re-completed since): there are `#ring.length - #done` of
  // those, recognised because the record's state no longer equals the entry's expiry.
  readonly #ring = new UuidExpiryRing((words, expiry) => this.get(words) === expiry);
  // Reused by the loops over stored keys (a view per entry would allocate millions).
  readonly #scratch = new Uint32Array(4);
  /** The fingerprint (code, hash) of the done record the last {@link claim} found. */
  foundCode = 0;
  foundHash = 0;

  /** Done records. */
  get size(): number {
    return this.#done;
  }

  /** Claim records (ids claimed and neither completed nor forgotten). */
  get claims(): number {
    return this.#claims;
  }

  /** A done record's expiry; undefined when the id is absent or only claimed. */
  get(words: Uint32Array): number | undefined {
    const slot = this.#table.find(words);
    if (slot < 0) return undefined;
    const state = this.#table.words[slot * STRIDE + STATE]!;
    return state < CLAIMED ? state : undefined;
  }

  /**
   * Claims an id at `at` (ms) for `leaseMs` for `owner` (0: none), unless it is done and
   * unexpired at `tick` ({@link CLAIM_DONE}, its fingerprint then in {@link foundCode} and
   * {@link foundHash}) or under a live lease ({@link CLAIM_BUSY}). `counts`: its handlers start
   * now, so the attempt is counted. Returns the attempt its handlers make, from 1: the runs
   * counted before, plus one. One probe finds the id or the slot where it goes.
   */
  claim(
    words: Uint32Array,
    at: number,
    leaseMs: number,
    tick: number,
    owner = 0,
    counts = true,
    printCode = 0,
    printHash = 0,
  ): number {
    if (at - this.#leaseBase >= LEASE_SPAN) this.#moveLeaseBase(at);
    if ((this.#done + this.#claims + 1) * 2 > this.#table.capacity) this.#table.grow();
    const slots = this.#table.words;
    const slot = this.#table.probe(words);
    const base = slot * STRIDE;
    const state = slots[base + STATE]!;
    const now = at - this.#leaseBase;
    let runs = 0;
    if (state === EMPTY) {
      writeKey(slots, base, words);
      this.#claims++;
    } else if (state < CLAIMED) {
      if (state > tick) {
        this.foundCode = slots[base + HOLDER]! >>> 16;
        this.foundHash = slots[base + PRINT]!;
        return CLAIM_DONE;
      }
      // Expired: it becomes a claim in place; its ring entry is now stale.
      this.#done--;
      this.#claims++;
    } else {
      if (slots[base + LEASE]! > now) return CLAIM_BUSY;
      runs = state & ATTEMPTS;
    }
    slots[base + STATE] = counts
      ? (CLAIMED | STARTED | Math.min(runs + 1, ATTEMPTS)) >>> 0
      : (CLAIMED | runs) >>> 0;
    // Clamped both ways: a clock set back before the base must not wrap to a 49-day lease.
    slots[base + LEASE] = Math.max(0, Math.min(now + leaseMs, 0xffff_ffff));
    slots[base + HOLDER] = ((printCode << 16) | owner) >>> 0;
    slots[base + PRINT] = printHash;
    return runs + 1;
  }

  /** Reads the home slot of each key, so a batch's claims find theirs in the cache. */
  touch(keys: Uint32Array, count: number): number {
    return this.#table.touch(keys, count);
  }

  /**
   * Records an id as done until `expiry` (a tick ≥ 1), whether it was claimed or not, keeping
   * the fingerprint its claim recorded. With an `owner` (not 0), an id another owner holds
   * (claimed, or done by it) is left as it is, and false returned. Its record is usually the
   * one its claim just touched, still in the cache.
   */
  set(words: Uint32Array, expiry: number, owner = 0): boolean {
    // An expiry is a tick of 0.1 s: below CLAIMED for 6.8 years of a store's life, and at
    // least 1, which a clock set back could otherwise undercut (0 marks an empty slot).
    expiry = Math.max(1, Math.min(expiry, CLAIMED - 1));
    if ((this.#done + this.#claims + 1) * 2 > this.#table.capacity) this.#table.grow();
    const slots = this.#table.words;
    const slot = this.#table.probe(words);
    const base = slot * STRIDE;
    const state = slots[base + STATE]!;
    if (state === EMPTY) {
      writeKey(slots, base, words);
      slots[base + HOLDER] = owner;
      slots[base + PRINT] = 0;
      this.#done++;
    } else {
      const holder = slots[base + HOLDER]!;
      const held = holder & 0xffff;
      if (owner !== 0 && held !== 0 && held !== owner) return false;
      if (owner !== 0) slots[base + HOLDER] = ((holder & 0xffff_0000) | owner) >>> 0;
      if (state >= CLAIMED) {
        this.#claims--;
        this.#done++;
      }
    }
    slots[base + STATE] = expiry;
    slots[base + LEASE] = 0;
    this.#ring.push(words, expiry, this.#done);
    return true;
  }

  /**
   * Gives a claim back: its lease ends now, and it is nobody's. `failed`: its handlers ran,
   * so the attempt is counted if it was not yet; else an attempt counted is taken back (they
   * never started). No-op for an id that is not claimed, or that another `owner` holds.
   */
  release(words: Uint32Array, failed: boolean, owner = 0): void {
    const slot = this.#table.find(words);
    if (slot < 0) return;
    const slots = this.#table.words;
    const base = slot * STRIDE;
    const state = slots[base + STATE]!;
    if (state < CLAIMED || !mayAct(slots[base + HOLDER]!, owner)) return;
    const attempts = state & ATTEMPTS;
    const started = (state & STARTED) !== 0;
    const runs = failed
      ? started
        ? attempts
        : Math.min(attempts + 1, ATTEMPTS)
      : started
        ? Math.max(0, attempts - 1)
        : attempts;
    slots[base + STATE] = (CLAIMED | runs) >>> 0;
    slots[base + LEASE] = 0;
    slots[base + HOLDER] = slots[base + HOLDER]! & 0xffff_0000;
  }

  /**
   * Counts the attempt of a claim whose handlers start now, once: no-op if it is counted
   * already, not claimed, its lease ended at `at` (released), or another `owner`'s.
   */
  start(words: Uint32Array, at: number, owner = 0): void {
    const slot = this.#table.find(words);
    if (slot < 0) return;
    const slots = this.#table.words;
    const base = slot * STRIDE;
    const state = slots[base + STATE]!;
    if (state < CLAIMED || (state & STARTED) !== 0) return;
    if (slots[base + LEASE]! <= at - this.#leaseBase) return;
    if (!mayAct(slots[base + HOLDER]!, owner)) return;
    slots[base + STATE] = (CLAIMED | STARTED | Math.min((state & ATTEMPTS) + 1, ATTEMPTS)) >>> 0;
  }

  /**
   * Extends a live claim's lease to `leaseMs` from `at`; no-op for anything else, or a claim
   * another `owner` holds.
   */
  renew(words: Uint32Array, at: number, leaseMs: number, owner = 0): void {
    if (at - this.#leaseBase >= LEASE_SPAN) this.#moveLeaseBase(at);
    const slot = this.#table.find(words);
    if (slot < 0) return;
    const slots = this.#table.words;
    const base = slot * STRIDE;
    const now = at - this.#leaseBase;
    if (slots[base + STATE]! < CLAIMED || slots[base + LEASE]! <= now) return;
    if (!mayAct(slots[base + HOLDER]!, owner)) return;
    slots[base + LEASE] = Math.max(0, Math.min(now + leaseMs, 0xffff_ffff));
  }

  /** Removes an id's record, done or claimed; true if there was one. */
  delete(words: Uint32Array): boolean {
    const slot = this.#table.find(words);
    if (slot < 0) return false;
    this.#deleteAt(slot);
    return true;
  }

  /**
   * Removes the oldest done records while they have expired (expiry ≤ `tick`) or more than
   * `keep` remain. Runs after every batch once the store is full, so it looks each entry
   * up once and makes nothing.
   */
  prune(tick: number, keep: number): void {
    for (;;) {
      const slot = this.#oldestLiveSlot();
      if (slot < 0 || (this.#table.words[slot * STRIDE + STATE]! > tick && this.#done <= keep))
        return;
      this.#deleteAt(slot);
      this.#ring.dropHead();
    }
  }

  /** The oldest done record's expiry, or undefined when there is none. */
  oldestExpiry(): number | undefined {
    const slot = this.#oldestLiveSlot();
    return slot < 0 ? undefined : this.#table.words[slot * STRIDE + STATE];
  }

  /**
   * Bounds the claims never completed nor released by a redelivery (a process that gave up
   * on them): first those whose lease has ended at `at`, then, if more than `keep` remain,
   * any. A sweep of the whole table, so it only runs once they are over the bound, and it
   * leaves half of it free, so sweeps stay rare.
   */
  dropClaims(keep: number, at: number): void {
    if (this.#claims <= keep) return;
    const now = at - this.#leaseBase;
    const target = Math.floor(keep / 2);
    const slots = this.#table.words; // deleting moves records within it, never replaces it
    for (const liveToo of [false, true]) {
      // Deleting shifts later records back into `slot`, so a deletion re-examines it.
      for (let slot = 0; slot < this.#table.capacity && this.#claims > target; ) {
        const base = slot * STRIDE;
        if (slots[base + STATE]! >= CLAIMED && (liveToo || slots[base + LEASE]! <= now)) {
          this.#deleteAt(slot);
        } else {
          slot++;
        }
      }
    }
  }

  /** The slot of the ring's oldest live entry (stale ones are dropped on the way), or -1. */
  #oldestLiveSlot(): number {
    const words = this.#scratch;
    while (this.#ring.length > 0) {
      const expiry = this.#ring.readHead(words);
      const slot = this.#table.find(words);
      if (slot >= 0 && this.#table.words[slot * STRIDE + STATE] === expiry) return slot;
      this.#ring.dropHead();
    }
    return -1;
  }

  /** Empties `slot` (see {@link UuidSlots.remove}), counting the record it held out. */
  #deleteAt(slot: number): void {
    if (this.#table.words[slot * STRIDE + STATE]! >= CLAIMED) this.#claims--;
    else this.#done--;
    this.#table.remove(slot);
  }

  /** Moves the lease base to `at`; leases already ended become 0. Once every 24 days. */
  #moveLeaseBase(at: number): void {
    const shift = at - this.#leaseBase;
    const slots = this.#table.words;
    for (let base = 0; base < slots.length; base += STRIDE) {
      if (slots[base + STATE]! >= CLAIMED) {
        slots[base + LEASE] = Math.max(0, slots[base + LEASE]! - shift);
      }
    }
    this.#leaseBase = at;
  }
}
