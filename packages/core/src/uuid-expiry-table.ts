/** The value of a lower-case hex digit's char code, or -1. */
function hexValue(code: number): number {
  if (code >= 48 && code <= 57) return code - 48; // 0-9
  if (code >= 97 && code <= 102) return code - 87; // a-f
  return -1;
}

/**
 * Reads a lower-case canonical UUID into four 32-bit words. Returns false for anything
 * else (those ids are kept elsewhere, so every id string keeps its exact identity).
 * Char codes are read directly: it runs twice per webhook, and a regex plus slices cost
 * several times more.
 */
export function uuidWords(id: string, words: Uint32Array): boolean {
  if (id.length !== 36) return false;
  let word = 0;
  let digits = 0;
  for (let i = 0; i < 36; i++) {
    const code = id.charCodeAt(i);
    if (i === 8 || i === 13 || i === 18 || i === 23) {
      if (code !== 45) return false; // '-'
      continue;
    }
    const value = hexValue(code);
    if (value < 0) return false;
    word = (word << 4) | value;
    digits++;
    if (digits % 8 === 0) words[digits / 8 - 1] = word >>> 0;
  }
  return true;
}

const EMPTY = 0;
const DELETED = 0xffffffff;
/** Words per record: the UUID's four, then its expiry (or EMPTY / DELETED). */
const STRIDE = 5;

/**
 * UUID → expiry (a positive integer) in flat typed arrays: about 20 bytes an id against
 * about 130 for a Map of strings, which is what lets the memory store remember a million
 * ids in well under 150 MB. Open addressing with linear probing; a key and its expiry sit
 * side by side, so a lookup in a table of millions touches one cache line, not two.
 * Insertion order is kept in a ring so the oldest entries can be found first.
 */
export class UuidExpiryTable {
  #slots = new Uint32Array(STRIDE * 1024);
  #capacity = 1024;
  #mask = 1023;
  #size = 0;
  #used = 0;
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
    if ((this.#used + 1) * 2 > this.#capacity) this.#resize();
    const slots = this.#slots;
    // One probe finds the key or, failing that, where it goes (the first tombstone passed).
    let slot = this.#hash(words) & this.#mask;
    let tombstone = -1;
    for (;;) {
      const state = slots[slot * STRIDE + 4]!;
      if (state === EMPTY) break;
      if (state === DELETED) {
        if (tombstone < 0) tombstone = slot;
      } else if (this.#holds(slot, words)) {
        slots[slot * STRIDE + 4] = expiry;
        this.#pushRing(words, expiry);
        return;
      }
      slot = (slot + 1) & this.#mask;
    }
    if (tombstone >= 0) slot = tombstone;
    else this.#used++;
    writeRecord(slots, slot * STRIDE, words, expiry);
    this.#size++;
    this.#pushRing(words, expiry);
  }

  delete(words: Uint32Array): boolean {
    const slot = this.#find(words);
    if (slot < 0) return false;
    this.#slots[slot * STRIDE + 4] = DELETED;
    this.#size--;
    return true;
  }

  /**
   * Removes entries from the oldest while `shouldRemove(expiry)` says so; stops at the
   * first live entry it keeps.
   */
  removeOldest(shouldRemove: (expiry: number) => boolean): void {
    const words = this.#scratch;
    while (this.#ringLength > 0) {
      const at = this.#ringHead * STRIDE;
      readKey(this.#ring, at, words);
      const expiry = this.#ring[at + 4]!;
      if (this.get(words) === expiry) {
        if (!shouldRemove(expiry)) return;
        this.delete(words);
      }
      this.#ringHead = (this.#ringHead + 1) % this.#ringCapacity;
      this.#ringLength--;
    }
  }

  /** The oldest live entry's expiry, or undefined when empty. */
  oldestExpiry(): number | undefined {
    let result: number | undefined;
    this.removeOldest((expiry) => {
      result = expiry;
      return false;
    });
    return result;
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
      const state = this.#slots[slot * STRIDE + 4]!;
      if (state === EMPTY) return -1;
      if (state !== DELETED && this.#holds(slot, words)) return slot;
      slot = (slot + 1) & this.#mask;
    }
  }

  #resize(): void {
    const old = this.#slots;
    const oldCapacity = this.#capacity;
    // Grow only when live entries fill it; otherwise rebuild in place to drop tombstones.
    const capacity = this.#size * 4 > oldCapacity ? oldCapacity * 2 : oldCapacity;
    const slots = new Uint32Array(capacity * STRIDE);
    this.#slots = slots;
    this.#capacity = capacity;
    this.#mask = capacity - 1;
    this.#used = this.#size;
    const words = this.#scratch;
    for (let slot = 0; slot < oldCapacity; slot++) {
      const expiry = old[slot * STRIDE + 4]!;
      if (expiry === EMPTY || expiry === DELETED) continue;
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
