import { UuidExpiryRing } from './uuid-expiry-ring.js';
import { readKey, writeKey } from './uuid-key.js';

/** Words per record: the UUID's four, its state, its lease. */
const STRIDE = 6;
const STATE = 4;
const LEASE = 5;
/** State of an empty slot. Below CLAIMED: a done record, the state being its expiry tick. */
const EMPTY = 0;
/** Set in the state of a claim record; the other bits count its attempts. */
const CLAIMED = 0x8000_0000;
/** Leases are kept in ms from a base moved forward before they could overflow 32 bits. */
const LEASE_SPAN = 2 ** 31;

/** What {@link UuidRecordTable.claim} found, when it did not claim: attempts are ≥ 1. */
export const CLAIM_DONE = -1;
export const CLAIM_BUSY = -2;

/**
 * The memory store's records of UUID ids, in flat typed arrays: each id is either done
 * (with the tick its memory expires) or claimed (attempts and the lease's end). About 24
 * bytes an id against about 130 for a Map of strings, which is what lets the memory store
 * remember a million ids in well under 150 MB; and a claim, its completion and the lookup
 * before them touch one record, found by one probe, with no object made.
 *
 * Open addressing with linear probing, at most half full; deletion shifts the rest of its
 * cluster back instead of leaving a tombstone: a full store deletes one id for every id it
 * adds, and tombstones would lengthen every probe. Done records are also kept in insertion
 * order in a ring ({@link UuidExpiryRing}), so the oldest can be forgotten first.
 */
export class UuidRecordTable {
  #slots = new Uint32Array(STRIDE * 1024);
  #capacity = 1024;
  #mask = 1023;
  #done = 0;
  #claims = 0;
  #leaseBase = 0;
  // Done records in insertion order, so the oldest is forgotten first. Entries may be stale
  // (forgotten, claimed again or re-completed since): there are `#ring.length - #done` of
  // those, recognised because the record's state no longer equals the entry's expiry.
  readonly #ring = new UuidExpiryRing((words, expiry) => this.get(words) === expiry);
  // Reused by the loops over stored keys (a view per entry would allocate millions).
  readonly #scratch = new Uint32Array(4);

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
    const slot = this.#find(words);
    if (slot < 0) return undefined;
    const state = this.#slots[slot * STRIDE + STATE]!;
    return state < CLAIMED ? state : undefined;
  }

  /**
   * Claims an id at `at` (ms) for `leaseMs`, unless it is done and unexpired at `tick`
   * ({@link CLAIM_DONE}) or under a live lease ({@link CLAIM_BUSY}). Returns the attempt
   * this claim starts, from 1. One probe finds the id or the slot where it goes.
   */
  claim(words: Uint32Array, at: number, leaseMs: number, tick: number): number {
    if (at - this.#leaseBase >= LEASE_SPAN) this.#moveLeaseBase(at);
    if ((this.#done + this.#claims + 1) * 2 > this.#capacity) this.#grow();
    const slots = this.#slots;
    const slot = this.#probe(words);
    const base = slot * STRIDE;
    const state = slots[base + STATE]!;
    const now = at - this.#leaseBase;
    let attempts = 1;
    if (state === EMPTY) {
      writeKey(slots, base, words);
      this.#claims++;
    } else if (state < CLAIMED) {
      if (state > tick) return CLAIM_DONE;
      // Expired: it becomes a claim in place; its ring entry is now stale.
      this.#done--;
      this.#claims++;
    } else {
      if (slots[base + LEASE]! > now) return CLAIM_BUSY;
      attempts = (state & ~CLAIMED) + 1;
    }
    slots[base + STATE] = (CLAIMED | attempts) >>> 0;
    // Clamped both ways: a clock set back before the base must not wrap to a 49-day lease.
    slots[base + LEASE] = Math.max(0, Math.min(now + leaseMs, 0xffff_ffff));
    return attempts;
  }

  /**
   * Reads the home slot of each key in `keys` (four words per key, `count` keys) and returns
   * nothing useful. Why: in a table of a million ids each key's slot is a cache miss; the
   * loads here do not depend on one another, so the processor overlaps them, and the claims
   * that follow find their slots in the cache. On a full store (a million ids), batches of
   * 100 claimed and completed measured 0.89 µs per id without this pass, 0.71–0.76 with it.
   */
  touch(keys: Uint32Array, count: number): number {
    const slots = this.#slots;
    const mask = this.#mask;
    let sum = 0;
    for (let key = 0; key < count; key++) {
      const at = key * 4;
      const home = this.#hashAt(keys, at) & mask;
      sum |= slots[home * STRIDE + STATE]!;
    }
    return sum;
  }

  /**
   * Records an id as done until `expiry` (a tick ≥ 1), whether it was claimed or not. Its
   * record is usually the one its claim just touched, still in the cache.
   */
  set(words: Uint32Array, expiry: number): void {
    // An expiry is a tick of 0.1 s: below CLAIMED for 6.8 years of a store's life, and at
    // least 1, which a clock set back could otherwise undercut (0 marks an empty slot).
    expiry = Math.max(1, Math.min(expiry, CLAIMED - 1));
    if ((this.#done + this.#claims + 1) * 2 > this.#capacity) this.#grow();
    const slots = this.#slots;
    const slot = this.#probe(words);
    const base = slot * STRIDE;
    const state = slots[base + STATE]!;
    if (state === EMPTY) {
      writeKey(slots, base, words);
      this.#done++;
    } else if (state >= CLAIMED) {
      this.#claims--;
      this.#done++;
    }
    slots[base + STATE] = expiry;
    slots[base + LEASE] = 0;
    this.#ring.push(words, expiry, this.#done);
  }

  /**
   * Gives a claim back: its lease ends now. Unless `failed`, the attempt it counted is
   * taken back too (its handlers never started). No-op for an id that is not claimed.
   */
  release(words: Uint32Array, failed: boolean): void {
    const slot = this.#find(words);
    if (slot < 0) return;
    const base = slot * STRIDE;
    const state = this.#slots[base + STATE]!;
    if (state < CLAIMED) return;
    this.#slots[base + LEASE] = 0;
    if (!failed && (state & ~CLAIMED) > 0) this.#slots[base + STATE] = state - 1;
  }

  /** Extends a live claim's lease to `leaseMs` from `at`; no-op for anything else. */
  renew(words: Uint32Array, at: number, leaseMs: number): void {
    if (at - this.#leaseBase >= LEASE_SPAN) this.#moveLeaseBase(at);
    const slot = this.#find(words);
    if (slot < 0) return;
    const base = slot * STRIDE;
    const now = at - this.#leaseBase;
    if (this.#slots[base + STATE]! < CLAIMED || this.#slots[base + LEASE]! <= now) return;
    this.#slots[base + LEASE] = Math.max(0, Math.min(now + leaseMs, 0xffff_ffff));
  }

  /** Removes an id's record, done or claimed; true if there was one. */
  delete(words: Uint32Array): boolean {
    const slot = this.#find(words);
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
      if (slot < 0 || (this.#slots[slot * STRIDE + STATE]! > tick && this.#done <= keep)) return;
      this.#deleteAt(slot);
      this.#ring.dropHead();
    }
  }

  /** The oldest done record's expiry, or undefined when there is none. */
  oldestExpiry(): number | undefined {
    const slot = this.#oldestLiveSlot();
    return slot < 0 ? undefined : this.#slots[slot * STRIDE + STATE];
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
    for (const liveToo of [false, true]) {
      // Deleting shifts later records back into `slot`, so a deletion re-examines it.
      for (let slot = 0; slot < this.#capacity && this.#claims > target; ) {
        const base = slot * STRIDE;
        if (
          this.#slots[base + STATE]! >= CLAIMED &&
          (liveToo || this.#slots[base + LEASE]! <= now)
        ) {
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
      const slot = this.#find(words);
      if (slot >= 0 && this.#slots[slot * STRIDE + STATE] === expiry) return slot;
      this.#ring.dropHead();
    }
    return -1;
  }

  /**
   * Empties `slot`, then moves back every later record of its cluster that may sit there:
   * one whose home slot is not cyclically within (hole, its slot]. Linear probing then
   * finds every key exactly as if the deleted one had never been added.
   */
  #deleteAt(slot: number): void {
    const slots = this.#slots;
    const mask = this.#mask;
    const words = this.#scratch;
    if (slots[slot * STRIDE + STATE]! >= CLAIMED) this.#claims--;
    else this.#done--;
    let hole = slot;
    let next = slot;
    for (;;) {
      next = (next + 1) & mask;
      if (slots[next * STRIDE + STATE] === EMPTY) break;
      readKey(slots, next * STRIDE, words);
      const home = this.#hash(words) & mask;
      const stays = hole <= next ? hole < home && home <= next : hole < home || home <= next;
      if (stays) continue;
      slots.copyWithin(hole * STRIDE, next * STRIDE, next * STRIDE + STRIDE);
      hole = next;
    }
    slots[hole * STRIDE + STATE] = EMPTY;
    slots[hole * STRIDE + LEASE] = 0;
  }

  /** Moves the lease base to `at`; leases already ended become 0. Once every 24 days. */
  #moveLeaseBase(at: number): void {
    const shift = at - this.#leaseBase;
    const slots = this.#slots;
    for (let base = 0; base < slots.length; base += STRIDE) {
      if (slots[base + STATE]! >= CLAIMED) {
        slots[base + LEASE] = Math.max(0, slots[base + LEASE]! - shift);
      }
    }
    this.#leaseBase = at;
  }

  #hash(words: Uint32Array): number {
    return this.#hashAt(words, 0);
  }

  #hashAt(words: Uint32Array, at: number): number {
    let h = Math.imul(words[at]! ^ 0x9e3779b9, 0x85ebca6b);
    h = Math.imul(h ^ words[at + 1]! ^ (h >>> 13), 0xc2b2ae35);
    h = Math.imul(h ^ words[at + 2]! ^ (h >>> 16), 0x85ebca6b);
    h = Math.imul(h ^ words[at + 3]! ^ (h >>> 13), 0xc2b2ae35);
    return (h ^ (h >>> 16)) >>> 0;
  }

  #holds(slot: number, words: Uint32Array): boolean {
    const base = slot * STRIDE;
    const slots = this.#slots;
    return (
      slots[base] === words[0] &&
      slots[base + 1] === words[1] &&
      slots[base + 2] === words[2] &&
      slots[base + 3] === words[3]
    );
  }

  /** The key's slot, or the empty slot where it would go. */
  #probe(words: Uint32Array): number {
    let slot = this.#hash(words) & this.#mask;
    while (this.#slots[slot * STRIDE + STATE] !== EMPTY && !this.#holds(slot, words)) {
      slot = (slot + 1) & this.#mask;
    }
    return slot;
  }

  #find(words: Uint32Array): number {
    const slot = this.#probe(words);
    return this.#slots[slot * STRIDE + STATE] === EMPTY ? -1 : slot;
  }

  /** Doubles the table (deletion leaves no tombstones, so only growth rebuilds it). */
  #grow(): void {
    const old = this.#slots;
    const oldCapacity = this.#capacity;
    const capacity = oldCapacity * 2;
    const slots = new Uint32Array(capacity * STRIDE);
    this.#slots = slots;
    this.#capacity = capacity;
    this.#mask = capacity - 1;
    const words = this.#scratch;
    for (let slot = 0; slot < oldCapacity; slot++) {
      if (old[slot * STRIDE + STATE] === EMPTY) continue;
      readKey(old, slot * STRIDE, words);
      let target = this.#hash(words) & this.#mask;
      while (slots[target * STRIDE + STATE] !== EMPTY) target = (target + 1) & this.#mask;
      // Word by word: a subarray per record would allocate a view for every id.
      const from = slot * STRIDE;
      const to = target * STRIDE;
      for (let word = 0; word < STRIDE; word++) slots[to + word] = old[from + word]!;
    }
  }
}
