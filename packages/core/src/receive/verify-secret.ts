import { AuthenticationError } from '../errors/authentication-error.js';
import { constantTimeEqual } from './constant-time-equal.js';

/** Checks presented secrets against the configured ones (several during a rotation). */
export interface SecretVerifier {
  /**
   * True when every presented value equals one of the configured secrets. Every candidate
   * is compared with every secret; nothing short-circuits on content.
   */
  verifyAll(presented: readonly string[]): boolean;
}

/** Builds a {@link SecretVerifier}. */
export function createSecretVerifier(secrets: readonly string[]): SecretVerifier {
  return {
    verifyAll(presented) {
      let allMatch = true;
      let previous: string | undefined;
      for (let c = 0; c < presented.length; c++) {
        const candidate = presented[c]!;
        // Batches repeat one secret 100 times: an identical string needs no second look.
        if (candidate === previous) continue;
        previous = candidate;
        let matched = false;
        for (let s = 0; s < secrets.length; s++) {
          matched = constantTimeEqual(candidate, secrets[s]!) || matched;
        }
        allMatch = matched && allMatch;
      }
      return presented.length > 0 && allMatch;
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

/**
 * The receiver's own check of a value against its webhook secrets, under a symbol only this
 * package knows: the console uses it to refuse the webhook secret as its token. Not public.
 */
export const MATCHES_WEBHOOK_SECRET: unique symbol = Symbol('passfort-webhooks.matches-secret');
