import { UuidRecordTable } from './uuid-record-table.js';
import { uuidWords } from './uuid-words.js';

/** A completed id that is not a UUID: its expiry, who completed it, its fingerprint. */
export interface OtherDone {
  readonly expiry: number;
  /** The owner's number (0: none). */
  readonly owner: number;
  readonly fingerprint: string | undefined;
}

/**
 * Completed webhook ids with their expiry (an integer tick), oldest first. UUID-shaped ids
 * (Passfort's) go into a compact typed-array table, which the memory store also claims them
 * in ({@link DoneIds.uuids}); any other id into a Map.
 */
export class DoneIds {
  /** The UUID ids' records: done ones, and the claims the memory store makes there. */
  readonly uuids = new UuidRecordTable();
  readonly #others = new Map<string, OtherDone>();
  readonly #words = new Uint32Array(4);

  get size(): number {
    return this.uuids.size + this.#others.size;
  }

  get(id: string): number | undefined {
    return uuidWords(id, this.#words) ? this.uuids.get(this.#words) : this.#others.get(id)?.expiry;
  }

  /** Records an id as done until `expiry`, without an owner or a fingerprint of its own. */
  set(id: string, expiry: number): void {
    if (uuidWords(id, this.#words)) this.uuids.set(this.#words, expiry);
    else this.setOther(id, { expiry, owner: 0, fingerprint: this.#others.get(id)?.fingerprint });
  }

  /** The record of a completed id that is not a UUID. */
  other(id: string): OtherDone | undefined {
    return this.#others.get(id);
  }

  /** Records a completed id that is not a UUID (UUIDs go to {@link uuids} directly). */
  setOther(id: string, done: OtherDone): void {
    // Re-inserted so the Map's order stays completion order.
    this.#others.delete(id);
    this.#others.set(id, done);
  }

  delete(id: string): void {
    if (uuidWords(id, this.#words)) this.uuids.delete(this.#words);
    else this.#others.delete(id);
  }

  /** Drops entries expired at `tick`, then the oldest ones beyond `maxEntries`. */
  forget(tick: number, maxEntries: number): void {
    if (this.#others.size === 0) {
      this.uuids.prune(tick, maxEntries);
      return;
    }
    this.uuids.prune(tick, Number.POSITIVE_INFINITY);
    for (const [id, { expiry }] of this.#others) {
      if (expiry > tick) break;
      this.#others.delete(id);
    }
    // Both hold their entries oldest first; drop from whichever holds the older one.
    while (this.size > maxEntries) {
      const oldestUuid = this.uuids.oldestExpiry();
      const oldestOther = this.#others.entries().next().value;
      if (
        oldestOther !== undefined &&
        (oldestUuid === undefined || oldestOther[1].expiry <= oldestUuid)
      ) {
        this.#others.delete(oldestOther[0]);
      } else {
        this.uuids.prune(tick, this.uuids.size - 1);
      }
    }
  }
}
