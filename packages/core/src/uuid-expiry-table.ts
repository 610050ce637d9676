const EMPTY = 0;
const DELETED = -1;

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

/** Copies one 4-word key; plain indexing beats `set` and `subarray` at this size. */
function copyWords(from: Uint32Array, fromAt: number, to: Uint32Array, toAt: number): void {
  to[toAt] = from[fromAt]!;
  to[toAt + 1] = from[fromAt + 1]!;
  to[toAt + 2] = from[fromAt + 2]!;
  to[toAt + 3] = from[fromAt + 3]!;
}

/**
 * UUID → expiry (a positive integer) in flat typed arrays: about 20 bytes an id against
 * about 130 for a Map of strings, which is what lets the memory store remember a million
 * ids in well under 150 MB. Open addressing with linear probing; insertion order is kept
 * in a ring so the oldest entries can be found first.
 */
export class UuidExpiryTable {
  #keys = new Uint32Array(4 * 1024);
  #expiry = new Int32Array(1024);
  #mask = 1023;
  #size = 0;
  #used = 0;
  // Insertion order: entries may be stale (deleted or re-set since), checked when read.
  #ringKeys = new Uint32Array(4 * 1024);
  #ringExpiry = new Int32Array(1024);
  #ringHead = 0;
  #ringLength = 0;
  // Reused by the loops over stored keys (a view per entry would allocate millions).
  readonly #scratch = new Uint32Array(4);

  get size(): number {
    return this.#size;
  }

  get(words: Uint32Array): number | undefined {
    const slot = this.#find(words);
    return slot < 0 ? undefined : this.#expiry[slot];
  }

  set(words: Uint32Array, expiry: number): void {
    if ((this.#used + 1) * 2 > this.#expiry.length) this.#resize();
    // One probe finds the key or, failing that, where it goes (the first tombstone passed).
    let slot = this.#hash(words) & this.#mask;
    let tombstone = -1;
    for (;;) {
      const state = this.#expiry[slot]!;
      if (state === EMPTY) break;
      if (state === DELETED) {
        if (tombstone < 0) tombstone = slot;
      } else if (this.#holds(slot, words)) {
        this.#expiry[slot] = expiry;
        this.#pushRing(words, expiry);
        return;
      }
      slot = (slot + 1) & this.#mask;
    }
    if (tombstone >= 0) slot = tombstone;
    else this.#used++;
    copyWords(words, 0, this.#keys, slot * 4);
    this.#expiry[slot] = expiry;
    this.#size++;
    this.#pushRing(words, expiry);
  }

  delete(words: Uint32Array): boolean {
    const slot = this.#find(words);
    if (slot < 0) return false;
    this.#expiry[slot] = DELETED;
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
      const at = this.#ringHead;
      copyWords(this.#ringKeys, at * 4, words, 0);
      const expiry = this.#ringExpiry[at]!;
      if (this.get(words) === expiry) {
        if (!shouldRemove(expiry)) return;
        this.delete(words);
      }
      this.#ringHead = (at + 1) % this.#ringExpiry.length;
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

  #find(words: Uint32Array): number {
    let slot = this.#hash(words) & this.#mask;
    for (;;) {
      const state = this.#expiry[slot]!;
      if (state === EMPTY) return -1;
      if (state > EMPTY && this.#holds(slot, words)) return slot;
      slot = (slot + 1) & this.#mask;
    }
  }

  #holds(slot: number, words: Uint32Array): boolean {
    const base = slot * 4;
    const keys = this.#keys;
    return (
      keys[base] === words[0] &&
      keys[base + 1] === words[1] &&
      keys[base + 2] === words[2] &&
      keys[base + 3] === words[3]
    );
  }

  #resize(): void {
    const oldKeys = this.#keys;
    const oldExpiry = this.#expiry;
    // Grow only when live entries fill it; otherwise rebuild in place to drop tombstones.
    const capacity = this.#size * 4 > oldExpiry.length ? oldExpiry.length * 2 : oldExpiry.length;
    this.#keys = new Uint32Array(capacity * 4);
    this.#expiry = new Int32Array(capacity);
    this.#mask = capacity - 1;
    this.#used = this.#size;
    const words = this.#scratch;
    for (let slot = 0; slot < oldExpiry.length; slot++) {
      if (oldExpiry[slot]! <= EMPTY) continue;
      copyWords(oldKeys, slot * 4, words, 0);
      let target = this.#hash(words) & this.#mask;
      while (this.#expiry[target] !== EMPTY) target = (target + 1) & this.#mask;
      copyWords(words, 0, this.#keys, target * 4);
      this.#expiry[target] = oldExpiry[slot]!;
    }
  }

  #pushRing(words: Uint32Array, expiry: number): void {
    if (this.#ringLength === this.#ringExpiry.length) this.#growRing();
    const at = (this.#ringHead + this.#ringLength) % this.#ringExpiry.length;
    copyWords(words, 0, this.#ringKeys, at * 4);
    this.#ringExpiry[at] = expiry;
    this.#ringLength++;
  }

  #growRing(): void {
    // Drop stale entries first; grow only if the live ones still fill the ring.
    const capacity =
      this.#size * 2 > this.#ringExpiry.length
        ? this.#ringExpiry.length * 2
        : this.#ringExpiry.length;
    const keys = new Uint32Array(capacity * 4);
    const expiries = new Int32Array(capacity);
    const words = this.#scratch;
    let length = 0;
    for (let i = 0; i < this.#ringLength; i++) {
      const at = (this.#ringHead + i) % this.#ringExpiry.length;
      copyWords(this.#ringKeys, at * 4, words, 0);
      const expiry = this.#ringExpiry[at]!;
      if (this.get(words) !== expiry) continue;
      copyWords(words, 0, keys, length * 4);
      expiries[length++] = expiry;
    }
    this.#ringKeys = keys;
    this.#ringExpiry = expiries;
    this.#ringHead = 0;
    this.#ringLength = length;
    if (length === capacity) this.#growRing();
  }
}
