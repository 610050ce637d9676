import { createRedactor, REDACT_SECRETS, type Redact } from '../observability/redact-secrets.js';
import { resolveSecrets } from '../options/resolve-secrets.js';
import {
  createSecretVerifier,
  MATCHES_WEBHOOK_SECRET,
  type SecretVerifier,
} from './verify-secret.js';

/**
 * The webhook secrets of a receiver (or a worker), handled here and nowhere else: checked once
 * at start-up, compared in constant time on each request, scrubbed from every failure text by
 * one redactor (the one delivery keeps and the one the console asks for), and lent to the
 * console under two private symbols, so that it can refuse the secret as its token and scrub it
 * without ever holding it. Nothing else sees the secrets themselves.
 */
export interface WebhookSecret {
  /**
   * False when none was set at creation (its environment variable is not set yet, as during
   * `next build`): every request is then answered 500, see `secretMissingError`.
   */
  readonly configured: boolean;
  /** Compares presented values with the secrets (several during a rotation). */
  readonly verifier: SecretVerifier;
  /** Scrubs the secrets, whole or in part, from a failure text. */
  readonly redact: Redact;
  /**
   * Gives `receiver` the console's private hold on the secrets, as non-enumerable properties:
   * a check of a value against them (`MATCHES_WEBHOOK_SECRET`) and the redaction
   * (`REDACT_SECRETS`).
   */
  lendTo(receiver: object): void;
}

/**
 * Resolves the `secret` option: an empty or malformed secret throws here, at start-up; an
 * absent one (`undefined`) does not (see {@link WebhookSecret.configured}).
 */
export function webhookSecret(secret: string | readonly string[] | undefined): WebhookSecret {
  const secrets = secret === undefined ? [] : resolveSecrets(secret);
  const verifier = createSecretVerifier(secrets);
  const redact = createRedactor(secrets);
  return {
    configured: secrets.length > 0,
    verifier,
    redact,
    lendTo(receiver) {
      Object.defineProperty(receiver, MATCHES_WEBHOOK_SECRET, {
        value: (candidate: string) => verifier.verifyAll([candidate]),
      });
      Object.defineProperty(receiver, REDACT_SECRETS, { value: redact });
    },
  };
}
