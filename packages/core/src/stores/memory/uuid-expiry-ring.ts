import { readKey, writeKey } from './uuid-key.js';

/** Words per entry: the UUID's four and its expiry. */
const ENTRY = 5;

/**
 * UUID keys with their expiry, in insertion order: a growable ring buffer of flat words,
 * so that {@link UuidRecordTable} forgets its oldest done records first without an object
 * per id. Entries may go stale in the table's eyes; `isLive` tells which, so a full ring
 * drops those before it grows.
 */
export class UuidExpiryRing {
  #ring = new Uint32Array(ENTRY * 1024);
  #capacity = 1024;
  #head = 0;
  #length = 0;
  readonly #isLive: (words: Uint32Array, expiry: number) => boolean;
  // Reused while copying, so growth allocates nothing per entry.
  readonly #scratch = new Uint32Array(4);

  constructor(isLive: (words: Uint32Array, expiry: number) => boolean) {
    this.#isLive = isLive;
  }

  /** Entries, stale ones included. */
  get length(): number {
    return this.#length;
  }

  /** Appends a key and its expiry; `live` is how many entries the owner still holds. */
  push(words: Uint32Array, expiry: number, live: number): void {
    if (this.#length === this.#capacity) this.#grow(live);
    const next = this.#head + this.#length;
    const at = (next >= this.#capacity ? next - this.#capacity : next) * ENTRY;
    writeKey(this.#ring, at, words);
    this.#ring[at + 4] = expiry;
    this.#length++;
  }

  /** Reads the oldest entry's key into `words` and returns its expiry. */
  readHead(words: Uint32Array): number {
    const at = this.#head * ENTRY;
    readKey(this.#ring, at, words);
    return this.#ring[at + 4]!;
  }

  /** Drops the oldest entry. */
  dropHead(): void {
    this.#head = this.#head + 1 === this.#capacity ? 0 : this.#head + 1;
    this.#length--;
  }

  #grow(live: number): void {
    const stale = this.#length - live;
    // Drop stale entries first; grow only if the live ones still fill the ring.
    const capacity = live * 2 > this.#capacity ? this.#capacity * 2 : this.#capacity;
    const ring = new Uint32Array(capacity * ENTRY);
    const words = this.#scratch;
    let length = 0;
    for (let i = 0; i < this.#length; i++) {
      const at = ((this.#head + i) % this.#capacity) * ENTRY;
      const expiry = this.#ring[at + 4]!;
      readKey(this.#ring, at, words);
      // Without stale entries every one is live: no lookup, a plain copy.
      if (stale > 0 && !this.#isLive(words, expiry)) continue;
      writeKey(ring, length * ENTRY, words);
      ring[length * ENTRY + 4] = expiry;
      length++;
    }
    this.#ring = ring;
    this.#capacity = capacity;
    this.#head = 0;
    this.#length = length;
    if (length === capacity) this.#grow(live);
  }
}
