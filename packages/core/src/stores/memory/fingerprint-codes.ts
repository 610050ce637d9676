/** Set in a code whose text is the whole fingerprint (no hash appended). */
const WHOLE = 0x8000;
const MAX_TEXTS = 0x7fff;
const HASHED = /#[0-9a-f]{8}$/;

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
    const length = fingerprint.length;
    // The usual case, the same event as the last one: no slice, no lookup.
    const last = this.#lastText;
    if (length === last.length + 8 && fingerprint.startsWith(last) && HASHED.test(fingerprint)) {
      this.hash = Number.parseInt(fingerprint.slice(-8), 16);
      return this.#lastIndex;
    }
    const hashed = HASHED.test(fingerprint);
    const text = hashed ? fingerprint.slice(0, -8) : fingerprint;
    let index = this.#codes.get(text);
    if (index === undefined) {
      if (this.#texts.length > MAX_TEXTS) return 0;
      index = this.#texts.push(text) - 1;
      this.#codes.set(text, index);
    }
    if (!hashed) return index | WHOLE;
    this.#lastText = text;
    this.#lastIndex = index;
    this.hash = Number.parseInt(fingerprint.slice(-8), 16);
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
