import { AuthenticationError } from './errors.js';

const encoder = new TextEncoder();

async function digest(value: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest('SHA-256', encoder.encode(value)));
}

// Comparing fixed-size digests instead of the secrets themselves keeps the comparison's
// duration independent of both the content and the length of what was presented.
function equalDigests(a: Uint8Array, b: Uint8Array): boolean {
  let difference = 0;
  for (let i = 0; i < a.length; i++) difference |= a[i]! ^ b[i]!;
  return difference === 0;
}

/** Checks presented secrets against the configured ones (several during a rotation). */
export interface SecretVerifier {
  /**
   * Resolves true when every presented value equals one of the configured secrets.
   * Every candidate is compared with every secret; nothing short-circuits on content.
   */
  verifyAll(presented: Iterable<string>): Promise<boolean>;
}

/** Builds a {@link SecretVerifier} on Web Crypto, so it runs on every runtime. */
export function createSecretVerifier(secrets: readonly string[]): SecretVerifier {
  let expected: Promise<Uint8Array[]> | undefined;
  return {
    async verifyAll(presented) {
      expected ??= Promise.all(secrets.map(digest));
      const known = await expected;
      const distinct = new Set(presented);
      if (distinct.size === 0) return false;
      let allMatch = true;
      for (const candidate of distinct) {
        const candidateDigest = await digest(candidate);
        let matched = false;
        for (const secretDigest of known) {
          matched = equalDigests(candidateDigest, secretDigest) || matched;
        }
        allMatch = matched && allMatch;
      }
      return allMatch;
    },
  };
}

/**
 * Reads the token of an `Authorization: Bearer <token>` header. Absent header: undefined.
 * Present but not a single well-formed Bearer credential: throws a 401.
 */
export function readBearerToken(
  header: string | readonly string[] | undefined,
): string | undefined {
  if (header === undefined) return undefined;
  if (typeof header !== 'string') {
    throw new AuthenticationError('Authorization header was sent more than once');
  }
  const match = /^Bearer[ \t]+(\S(?:.*\S)?)[ \t]*$/i.exec(header);
  if (match === null) {
    throw new AuthenticationError('Authorization header must be "Bearer <secret>"');
  }
  return match[1];
}
