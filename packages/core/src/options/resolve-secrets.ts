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
