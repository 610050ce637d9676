/** Reads the 4-word UUID key stored at `at`; plain indexing beats `subarray` here. */
export function readKey(from: Uint32Array, at: number, words: Uint32Array): void {
  words[0] = from[at]!;
  words[1] = from[at + 1]!;
  words[2] = from[at + 2]!;
  words[3] = from[at + 3]!;
}

/** Writes a 4-word UUID key at `at`. */
export function writeKey(to: Uint32Array, at: number, words: Uint32Array): void {
  to[at] = words[0]!;
  to[at + 1] = words[1]!;
  to[at + 2] = words[2]!;
  to[at + 3] = words[3]!;
}
