/**
 * The library's one constant-time comparison, for every secret it checks: the webhook secret
 * (header and body), the console token and its CSRF tokens.
 *
 * Time depends only on the presented value's length (which the caller chose), never on the
 * secret's content or length: every character is compared (against the secret cycled),
 * differences are OR-ed, nothing breaks early. Synchronous and runtime-neutral (no Node
 * `crypto.timingSafeEqual`, which also wants equal lengths and so leaks them).
 *
 * @example constantTimeEqual(presentedToken, configuredToken)
 */
export function constantTimeEqual(presented: string, secret: string): boolean {
  let difference = presented.length ^ secret.length;
  // `j` cycles through the secret; a counter, not `i % length`, which costs a division.
  for (let i = 0, j = 0; i < presented.length; i++) {
    difference |= presented.charCodeAt(i) ^ secret.charCodeAt(j);
    j = j + 1 === secret.length ? 0 : j + 1;
  }
  return difference === 0;
}
