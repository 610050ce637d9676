import { HEX_VALUE } from './hex-digit-value.js';

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
