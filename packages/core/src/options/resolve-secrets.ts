import { ConfigurationError } from '../errors/configuration-error.js';

/** The configured secret(s) as a non-empty list of non-empty strings; else throws at start-up. */
export function resolveSecrets(secret: unknown): string[] {
  const list = Array.isArray(secret) ? secret : [secret];
  if (list.length === 0 || secret === undefined || secret === null) {
    throw new ConfigurationError(
      'A webhook secret is required: createPassfortWebhooks({ secret: process.env.PASSFORT_WEBHOOK_SECRET })',
    );
  }
  for (const value of list) {
    if (typeof value !== 'string' || value.trim() === '') {
      throw new ConfigurationError('Every webhook secret must be a non-empty string');
    }
  }
  return list as string[];
}

/**
 * What a receiver created without a secret answers each request with (a 500, logged as an
 * error), until the process restarts with one. Creating a receiver does not need its secret:
 * a module that creates one at import time is also evaluated where no secret exists, e.g.
 * `next build` collecting a route's page data, and must not fail there. Passfort retries a
 * 500 until it gets a 200, so nothing is lost while the secret is missing.
 */
export function secretMissingError(): ConfigurationError {
  return new ConfigurationError(
    'No webhook secret was set when this receiver was created: set PASSFORT_WEBHOOK_SECRET (or the secret option) and restart. Every request is answered 500 until then.',
  );
}
