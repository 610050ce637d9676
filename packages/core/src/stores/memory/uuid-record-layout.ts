// The eight words of a UUID record and how its state word is read, shared by the table of
// records (what a claim, a completion or a release does to a record) and its slots (how a
// record is found, moved and told empty): one layout, read the same way in both.

/**
 * Words per record: the UUID's four, its state, its lease, who holds it and its fingerprint's
 * code (16 bits each), its fingerprint's hash. Eight words, so a record never straddles two
 * cache lines.
 */
export const STRIDE = 8;
export const STATE = 4;
export const LEASE = 5;
/** Low 16 bits: the owner (0: none); high 16 bits: the fingerprint's code (0: none). */
export const HOLDER = 6;
export const PRINT = 7;
/** State of an empty slot. Below CLAIMED: a done record, the state being its expiry tick. */
export const EMPTY = 0;
/** Set in the state of a claim record; the bits below STARTED count its attempts. */
export const CLAIMED = 0x8000_0000;
/** Set in a claim record's state once its attempt is counted: its handlers started. */
export const STARTED = 0x4000_0000;
export const ATTEMPTS = 0x3fff_ffff;
/** Leases are kept in ms from a base moved forward before they could overflow 32 bits. */
export const LEASE_SPAN = 2 ** 31;

/** True when a call by `owner` may act on a record whose HOLDER word is `holder`. */
export function mayAct(holder: number, owner: number): boolean {
  const held = holder & 0xffff;
  return owner === 0 || held === 0 || held === owner;
}
