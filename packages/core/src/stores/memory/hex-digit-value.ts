/**
 * A lower-case hex digit's value by char code, 255 for any other character below 128: how the
 * memory store reads UUIDs and fingerprint hashes char by char, without a regex or a slice.
 */
export const HEX_VALUE = new Uint8Array(128).fill(255);
for (let digit = 0; digit < 16; digit++) HEX_VALUE['0123456789abcdef'.charCodeAt(digit)] = digit;
