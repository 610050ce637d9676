import { HEX_VALUE } from './hex-digit-value.js';

/** Set in a code whose text is the whole fingerprint (no hash appended). */
const WHOLE = 0x8000;
const MAX_TEXTS = 0x7fff;

/**
 * The hash a fingerprint ends with (`#` and 8 lower-case hex digits), or -1 when it has none.
 * Char codes read directly: it runs for every id claimed, and the regex test, the slice and
 * the `parseInt` it replaces cost about 0.1–0.3 µs a claim more (fingerprint and encode of a
 * 2 KB CHECK_COMPLETED, alternating: 1,297–1,856 → 1,183–1,365 ns).
 */
function hashDigits(fingerprint: string): number {
  const length = fingerprint.length;
  if (length < 9 || fingerprint.charCodeAt(length - 9) !== 35) return -1; // '#'
  let hash = 0;
  for (let i = length - 8; i < length; i++) {
    const code = fingerprint.charCodeAt(i);
    const value = code < 128 ? HEX_VALUE[code]! : 255;
    if (value === 255) return -1;
    hash = (hash << 4) | value;
  }
  return hash >>> 0;
}

/**
 * Fingerprints as the memory store keeps them in a UUID record: a 16-bit code and a 32-bit
 * hash instead of a string per id. The receiver's fingerprints are `<event>#<8 hex digits>`
 * (`webhookFingerprint`): the part before the digits is one of a few strings (the event
 * names), numbered once; the digits are the hash itself. Any other string is numbered whole.
 * Past 32,767 distinct texts a fingerprint is not kept: the claim works all the same, only the
 * "same id, another payload" warning is lost for it.
 */
export class FingerprintCodes {
  readonly #codes = new Map<string, number>();
  readonly #texts: string[] = [''];
  /** The hash of the fingerprint {@link encode} read last. */
  hash = 0;
  /** The text (with its `#`) and index of the last hashed fingerprint encoded. */
  #lastText = '\u0000';
  #lastIndex = 0;

  /** The code of `fingerprint` (0: none), its hash left in {@link hash}. */
  encode(fingerprint: string | undefined): number {
    this.hash = 0;
    if (fingerprint === undefined) return 0;
    const hash = hashDigits(fingerprint);
    // The usual case, the same event as the last one: no slice, no lookup.
    const last = this.#lastText;
    if (hash >= 0 && fingerprint.length === last.length + 8 && fingerprint.startsWith(last)) {
      this.hash = hash;
      return this.#lastIndex;
    }
    const text = hash >= 0 ? fingerprint.slice(0, -8) : fingerprint;
    let index = this.#codes.get(text);
    if (index === undefined) {
      if (this.#texts.length > MAX_TEXTS) return 0;
      index = this.#texts.push(text) - 1;
      this.#codes.set(text, index);
    }
    if (hash < 0) return index | WHOLE;
    this.#lastText = text;
    this.#lastIndex = index;
    this.hash = hash;
    return index;
  }

  /** The fingerprint a code and a hash stand for; undefined for code 0. */
  decode(code: number, hash: number): string | undefined {
    if (code === 0) return undefined;
    const text = this.#texts[code & ~WHOLE];
    if (text === undefined) return undefined;
    return (code & WHOLE) !== 0 ? text : text + hash.toString(16).padStart(8, '0');
  }
}
