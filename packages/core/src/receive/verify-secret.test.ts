import { describe, expect, it } from 'vitest';
import { AuthenticationError } from '../errors/authentication-error.js';
import { createSecretVerifier, readBearerToken } from './verify-secret.js';

describe('createSecretVerifier', () => {
  const verifier = createSecretVerifier(['current-secret', 'previous-secret']);

  it('accepts values that each equal one of the configured secrets', async () => {
    expect(await verifier.verifyAll(['current-secret'])).toBe(true);
    expect(await verifier.verifyAll(['previous-secret', 'current-secret'])).toBe(true);
  });

  it.each([
    ['a prefix', 'current-secre'],
    ['a longer value', 'current-secret!'],
    ['a different last byte', 'current-secreT'],
    ['an empty string', ''],
  ])('refuses %s', async (_label, value) => {
    expect(await verifier.verifyAll([value])).toBe(false);
  });

  it('refuses when any one value is wrong, and when nothing is presented', async () => {
    expect(await verifier.verifyAll(['current-secret', 'nope'])).toBe(false);
    expect(await verifier.verifyAll([])).toBe(false);
  });
});

describe('readBearerToken', () => {
  it('reads the token, with any case of the scheme', () => {
    expect(readBearerToken('Bearer abc')).toBe('abc');
    expect(readBearerToken('bearer   abc  ')).toBe('abc');
    expect(readBearerToken(undefined)).toBeUndefined();
  });

  it.each([['Basic abc'], ['Bearer'], ['Bearer '], ['abc'], ['']])(
    'refuses the malformed header %j with an AuthenticationError',
    (header) => {
      expect(() => readBearerToken(header)).toThrow(AuthenticationError);
    },
  );

  it('refuses a header sent twice', () => {
    expect(() => readBearerToken(['Bearer a', 'Bearer a'])).toThrow(/more than once/);
  });
});
