/** A lower-case hex digit's value by char code; 255 for any other character. */
const HEX_VALUE = new Uint8Array(128).fill(255);
for (let digit = 0; digit < 16; digit++) HEX_VALUE['0123456789abcdef'.charCodeAt(digit)] = digit;

/** Reads `id[from, to)` as hex digits onto `word`; -1 when one is not a lower-case hex digit. */
function readHex(id: string, from: number, to: number, word: number): number {
  for (let i = from; i < to; i++) {
    const code = id.charCodeAt(i);
    const value = code < 128 ? HEX_VALUE[code]! : 255;
    if (value === 255) return -1;
    word = (word << 4) | value;
  }
  return word >>> 0;
}

/**
 * Reads a lower-case canonical UUID into four 32-bit words. Returns false for anything
 * else (those ids are kept elsewhere, so every id string keeps its exact identity).
 * Char codes are read directly, group by group: it runs twice per webhook, and a regex
 * plus slices cost several times more.
 */
export function uuidWords(id: string, words: Uint32Array): boolean {
  if (
    id.length !== 36 ||
    id.charCodeAt(8) !== 45 || // '-'
    id.charCodeAt(13) !== 45 ||
    id.charCodeAt(18) !== 45 ||
    id.charCodeAt(23) !== 45
  ) {
    return false;
  }
  // xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx: the middle words straddle a dash.
  const word0 = readHex(id, 0, 8, 0);
  const high1 = readHex(id, 9, 13, 0);
  const word1 = high1 < 0 ? -1 : readHex(id, 14, 18, high1);
  const high2 = readHex(id, 19, 23, 0);
  const word2 = high2 < 0 ? -1 : readHex(id, 24, 28, high2);
  const word3 = readHex(id, 28, 36, 0);
  if (word0 < 0 || word1 < 0 || word2 < 0 || word3 < 0) return false;
  words[0] = word0;
  words[1] = word1;
  words[2] = word2;
  words[3] = word3;
  return true;
}

const EMPTY = 0;
/** Words per record: the UUID's four, then its expiry (or EMPTY). */
const STRIDE = 5;

/**
 * UUID → expiry (a positive integer) in flat typed arrays: about 20 bytes an id against
 * about 130 for a Map of strings, which is what lets the memory store remember a million
 * ids in well under 150 MB. Open addressing with linear probing, at most half full; a key
 * and its expiry sit side by side, so a lookup in a table of millions touches one cache
 * line, not two. Deletion shifts the rest of its cluster back instead of leaving a
 * tombstone: a full store deletes one id for every id it adds, and tombstones would
 * lengthen every probe and force a rebuild of the whole table every million ids.
 * Insertion order is kept in a ring so the oldest entries can be found first.
 */
export class UuidExpiryTable {
  #slots = new Uint32Array(STRIDE * 1024);
  #capacity = 1024;
  #mask = 1023;
  #size = 0;
  // Insertion order, same record layout. Entries may be stale (deleted or re-set since):
  // there are `#ringLength - #size` of those, checked when read.
  #ring = new Uint32Array(STRIDE * 1024);
  #ringCapacity = 1024;
  #ringHead = 0;
  #ringLength = 0;
  // Reused by the loops over stored keys (a view per entry would allocate millions).
  readonly #scratch = new Uint32Array(4);

  get size(): number {
    return this.#size;
  }

  get(words: Uint32Array): number | undefined {
    const slot = this.#find(words);
    return slot < 0 ? undefined : this.#slots[slot * STRIDE + 4];
  }

  set(words: Uint32Array, expiry: number): void {
    if ((this.#size + 1) * 2 > this.#capacity) this.#grow();
    const slots = this.#slots;
    // One probe finds the key or, failing that, the empty slot where it goes.
    let slot = this.#hash(words) & this.#mask;
    for (;;) {
      const state = slots[slot * STRIDE + 4]!;
      if (state === EMPTY) break;
      if (this.#holds(slot, words)) {
        slots[slot * STRIDE + 4] = expiry;
        this.#pushRing(words, expiry);
        return;
      }
      slot = (slot + 1) & this.#mask;
    }
    writeRecord(slots, slot * STRIDE, words, expiry);
    this.#size++;
    this.#pushRing(words, expiry);
  }

  delete(words: Uint32Array): boolean {
    const slot = this.#find(words);
    if (slot < 0) return false;
    this.#deleteAt(slot);
    return true;
  }

  /**
   * Removes the oldest entries while they have expired (expiry ≤ `tick`) or more than
   * `keep` remain. Runs after every batch once the store is full, so it looks each entry
   * up once and makes nothing.
   */
  prune(tick: number, keep: number): void {
    for (;;) {
      const slot = this.#oldestLiveSlot();
      if (slot < 0 || (this.#slots[slot * STRIDE + 4]! > tick && this.#size <= keep)) return;
      this.#deleteAt(slot);
      this.#dropRingHead();
    }
  }

  /** The oldest live entry's expiry, or undefined when empty. */
  oldestExpiry(): number | undefined {
    const slot = this.#oldestLiveSlot();
    return slot < 0 ? undefined : this.#slots[slot * STRIDE + 4];
  }

  /** The slot of the ring's oldest live entry (stale ones are dropped on the way), or -1. */
  #oldestLiveSlot(): number {
    const words = this.#scratch;
    while (this.#ringLength > 0) {
      const at = this.#ringHead * STRIDE;
      readKey(this.#ring, at, words);
      const slot = this.#find(words);
      if (slot >= 0 && this.#slots[slot * STRIDE + 4] === this.#ring[at + 4]) return slot;
      this.#dropRingHead();
    }
    return -1;
  }

  #dropRingHead(): void {
    this.#ringHead = this.#ringHead + 1 === this.#ringCapacity ? 0 : this.#ringHead + 1;
    this.#ringLength--;
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
    let hole = slot;
    let next = slot;
    for (;;) {
      next = (next + 1) & mask;
      if (slots[next * STRIDE + 4] === EMPTY) break;
      readKey(slots, next * STRIDE, words);
      const home = this.#hash(words) & mask;
      const stays = hole <= next ? hole < home && home <= next : hole < home || home <= next;
      if (stays) continue;
      slots.copyWithin(hole * STRIDE, next * STRIDE, next * STRIDE + STRIDE);
      hole = next;
    }
    slots[hole * STRIDE + 4] = EMPTY;
    this.#size--;
  }

  #hash(words: Uint32Array): number {
    let h = Math.imul(words[0]! ^ 0x9e3779b9, 0x85ebca6b);
    h = Math.imul(h ^ words[1]! ^ (h >>> 13), 0xc2b2ae35);
    h = Math.imul(h ^ words[2]! ^ (h >>> 16), 0x85ebca6b);
    h = Math.imul(h ^ words[3]! ^ (h >>> 13), 0xc2b2ae35);
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

  #find(words: Uint32Array): number {
    let slot = this.#hash(words) & this.#mask;
    for (;;) {
      if (this.#slots[slot * STRIDE + 4] === EMPTY) return -1;
      if (this.#holds(slot, words)) return slot;
      slot = (slot + 1) & this.#mask;
    }
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
      const expiry = old[slot * STRIDE + 4]!;
      if (expiry === EMPTY) continue;
      readKey(old, slot * STRIDE, words);
      let target = this.#hash(words) & this.#mask;
      while (slots[target * STRIDE + 4] !== EMPTY) target = (target + 1) & this.#mask;
      writeRecord(slots, target * STRIDE, words, expiry);
    }
  }

  #pushRing(words: Uint32Array, expiry: number): void {
    if (this.#ringLength === this.#ringCapacity) this.#growRing();
    const at = ((this.#ringHead + this.#ringLength) % this.#ringCapacity) * STRIDE;
    writeRecord(this.#ring, at, words, expiry);
    this.#ringLength++;
  }

  #growRing(): void {
    const stale = this.#ringLength - this.#size;
    // Drop stale entries first; grow only if the live ones still fill the ring.
    const capacity =
      this.#size * 2 > this.#ringCapacity ? this.#ringCapacity * 2 : this.#ringCapacity;
    const ring = new Uint32Array(capacity * STRIDE);
    const words = this.#scratch;
    let length = 0;
    for (let i = 0; i < this.#ringLength; i++) {
      const at = ((this.#ringHead + i) % this.#ringCapacity) * STRIDE;
      const expiry = this.#ring[at + 4]!;
      readKey(this.#ring, at, words);
      // Without stale entries every one is live: no lookup, a plain copy.
      if (stale > 0 && this.get(words) !== expiry) continue;
      writeRecord(ring, length * STRIDE, words, expiry);
      length++;
    }
    this.#ring = ring;
    this.#ringCapacity = capacity;
    this.#ringHead = 0;
    this.#ringLength = length;
    if (length === capacity) this.#growRing();
  }
}

/** Reads the 4-word key of the record at `at`; plain indexing beats `subarray` here. */
function readKey(from: Uint32Array, at: number, words: Uint32Array): void {
  words[0] = from[at]!;
  words[1] = from[at + 1]!;
  words[2] = from[at + 2]!;
  words[3] = from[at + 3]!;
}

function writeRecord(to: Uint32Array, at: number, words: Uint32Array, expiry: number): void {
  to[at] = words[0]!;
  to[at + 1] = words[1]!;
  to[at + 2] = words[2]!;
  to[at + 3] = words[3]!;
  to[at + 4] = expiry;
}
