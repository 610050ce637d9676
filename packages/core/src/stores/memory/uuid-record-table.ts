import { UuidExpiryRing } from './uuid-expiry-ring.js';
import { readKey, writeKey } from './uuid-key.js';

/**
 * Words per record: the UUID's four, its state, its lease, who holds it and its fingerprint's
 * code (16 bits each), its fingerprint's hash. Eight words, so a record never straddles two
 * cache lines.
 */
const STRIDE = 8;
const STATE = 4;
const LEASE = 5;
/** Low 16 bits: the owner (0: none); high 16 bits: the fingerprint's code (0: none). */
const HOLDER = 6;
const PRINT = 7;
/** State of an empty slot. Below CLAIMED: a done record, the state being its expiry tick. */
const EMPTY = 0;
/** Set in the state of a claim record; the bits below STARTED count its attempts. */
const CLAIMED = 0x8000_0000;
/** Set in a claim record's state once its attempt is counted: its handlers started. */
const STARTED = 0x4000_0000;
const ATTEMPTS = 0x3fff_ffff;
/** Leases are kept in ms from a base moved forward before they could overflow 32 bits. */
const LEASE_SPAN = 2 ** 31;

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
    const slot = this.#find(words);
    if (slot < 0) return undefined;
    const state = this.#slots[slot * STRIDE + STATE]!;
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
    if ((this.#done + this.#claims + 1) * 2 > this.#capacity) this.#grow();
    const slots = this.#slots;
    const slot = this.#probe(words);
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
   * Records an id as done until `expiry` (a tick ≥ 1), whether it was claimed or not, keeping
   * the fingerprint its claim recorded. With an `owner` (not 0), an id another owner holds
   * (claimed, or done by it) is left as it is, and false returned. Its record is usually the
   * one its claim just touched, still in the cache.
   */
  set(words: Uint32Array, expiry: number, owner = 0): boolean {
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
    const slot = this.#find(words);
    if (slot < 0) return;
    const slots = this.#slots;
    const base = slot * STRIDE;
    const state = slots[base + STATE]!;
    if (state < CLAIMED || !this.#mayAct(slots[base + HOLDER]!, owner)) return;
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
    const slot = this.#find(words);
    if (slot < 0) return;
    const slots = this.#slots;
    const base = slot * STRIDE;
    const state = slots[base + STATE]!;
    if (state < CLAIMED || (state & STARTED) !== 0) return;
    if (slots[base + LEASE]! <= at - this.#leaseBase) return;
    if (!this.#mayAct(slots[base + HOLDER]!, owner)) return;
    slots[base + STATE] = (CLAIMED | STARTED | Math.min((state & ATTEMPTS) + 1, ATTEMPTS)) >>> 0;
  }

  /**
   * Extends a live claim's lease to `leaseMs` from `at`; no-op for anything else, or a claim
   * another `owner` holds.
   */
  renew(words: Uint32Array, at: number, leaseMs: number, owner = 0): void {
    if (at - this.#leaseBase >= LEASE_SPAN) this.#moveLeaseBase(at);
    const slot = this.#find(words);
    if (slot < 0) return;
    const base = slot * STRIDE;
    const now = at - this.#leaseBase;
    if (this.#slots[base + STATE]! < CLAIMED || this.#slots[base + LEASE]! <= now) return;
    if (!this.#mayAct(this.#slots[base + HOLDER]!, owner)) return;
    this.#slots[base + LEASE] = Math.max(0, Math.min(now + leaseMs, 0xffff_ffff));
  }

  /** True when a call by `owner` may act on a record whose HOLDER word is `holder`. */
  #mayAct(holder: number, owner: number): boolean {
    const held = holder & 0xffff;
    return owner === 0 || held === 0 || held === owner;
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
    slots.fill(0, hole * STRIDE + STATE, hole * STRIDE + STRIDE);
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
