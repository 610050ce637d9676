import { readKey } from './uuid-key.js';
import { EMPTY, STATE, STRIDE } from './uuid-record-layout.js';

/**
 * Where the memory store's UUID records live: one flat `Uint32Array` of 8-word records, found
 * by open addressing with linear probing, at most half full (the record table grows it).
 * Deletion shifts the rest of its cluster back instead of leaving a tombstone: a full store
 * deletes one id for every id it adds, and tombstones would lengthen every probe. Apart from
 * {@link UuidRecordTable} because this part knows nothing of claims or expiry, only keys and
 * empty slots, and is where a change to hashing or probing is made and measured.
 */
export class UuidSlots {
  /** The records; replaced by a larger array on {@link grow}, so read it after growing. */
  words = new Uint32Array(STRIDE * 1024);
  capacity = 1024;
  #mask = 1023;
  // Reused by the loops over stored keys (a view per entry would allocate millions).
  readonly #scratch = new Uint32Array(4);

  /**
   * Reads the home slot of each key in `keys` (four words per key, `count` keys) and returns
   * nothing useful. Why: in a table of a million ids each key's slot is a cache miss; the
   * loads here do not depend on one another, so the processor overlaps them, and the claims
   * that follow find their slots in the cache. On a full store (a million ids), batches of
   * 100 claimed and completed measured 0.89 µs per id without this pass, 0.71–0.76 with it.
   */
  touch(keys: Uint32Array, count: number): number {
    const slots = this.words;
    const mask = this.#mask;
    let sum = 0;
    for (let key = 0; key < count; key++) {
      const at = key * 4;
      const home = hashAt(keys, at) & mask;
      sum |= slots[home * STRIDE + STATE]!;
    }
    return sum;
  }

  /** The key's slot, or the empty slot where it would go. */
  probe(words: Uint32Array): number {
    let slot = hashAt(words, 0) & this.#mask;
    while (this.words[slot * STRIDE + STATE] !== EMPTY && !this.#holds(slot, words)) {
      slot = (slot + 1) & this.#mask;
    }
    return slot;
  }

  /** The key's slot, or -1. */
  find(words: Uint32Array): number {
    const slot = this.probe(words);
    return this.words[slot * STRIDE + STATE] === EMPTY ? -1 : slot;
  }

  /**
   * Empties `slot`, then moves back every later record of its cluster that may sit there:
   * one whose home slot is not cyclically within (hole, its slot]. Linear probing then
   * finds every key exactly as if the deleted one had never been added.
   */
  remove(slot: number): void {
    const slots = this.words;
    const mask = this.#mask;
    const words = this.#scratch;
    let hole = slot;
    let next = slot;
    for (;;) {
      next = (next + 1) & mask;
      if (slots[next * STRIDE + STATE] === EMPTY) break;
      readKey(slots, next * STRIDE, words);
      const home = hashAt(words, 0) & mask;
      const stays = hole <= next ? hole < home && home <= next : hole < home || home <= next;
      if (stays) continue;
      slots.copyWithin(hole * STRIDE, next * STRIDE, next * STRIDE + STRIDE);
      hole = next;
    }
    slots.fill(0, hole * STRIDE + STATE, hole * STRIDE + STRIDE);
  }

  /** Doubles the table (deletion leaves no tombstones, so only growth rebuilds it). */
  grow(): void {
    const old = this.words;
    const oldCapacity = this.capacity;
    const capacity = oldCapacity * 2;
    const slots = new Uint32Array(capacity * STRIDE);
    this.words = slots;
    this.capacity = capacity;
    this.#mask = capacity - 1;
    const words = this.#scratch;
    for (let slot = 0; slot < oldCapacity; slot++) {
      if (old[slot * STRIDE + STATE] === EMPTY) continue;
      readKey(old, slot * STRIDE, words);
      let target = hashAt(words, 0) & this.#mask;
      while (slots[target * STRIDE + STATE] !== EMPTY) target = (target + 1) & this.#mask;
      // Word by word: a subarray per record would allocate a view for every id.
      const from = slot * STRIDE;
      const to = target * STRIDE;
      for (let word = 0; word < STRIDE; word++) slots[to + word] = old[from + word]!;
    }
  }

  #holds(slot: number, words: Uint32Array): boolean {
    const base = slot * STRIDE;
    const slots = this.words;
    return (
      slots[base] === words[0] &&
      slots[base + 1] === words[1] &&
      slots[base + 2] === words[2] &&
      slots[base + 3] === words[3]
    );
  }
}

/** The hash of the 4-word key at `at` in `words`. */
function hashAt(words: Uint32Array, at: number): number {
  let h = Math.imul(words[at]! ^ 0x9e3779b9, 0x85ebca6b);
  h = Math.imul(h ^ words[at + 1]! ^ (h >>> 13), 0xc2b2ae35);
  h = Math.imul(h ^ words[at + 2]! ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ words[at + 3]! ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}
