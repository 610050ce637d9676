import { type IpRange, ipInRange, parseIp } from './parse-ip.js';

/** Which proxies in front of the app may be believed about the client's address. */
export type TrustProxy = readonly IpRange[] | number | undefined;

/**
 * The client's address. Without `trustProxy`, the peer's own. With a list, `X-Forwarded-For`
 * is walked from the right while the address it came through is a trusted proxy; with a hop
 * count, that many proxies are believed. An untrusted peer's `X-Forwarded-For` is ignored, so
 * it cannot be spoofed.
 */
export function resolveClientIp(
  peer: string | undefined,
  forwardedFor: string | readonly string[] | undefined,
  trustProxy: TrustProxy,
): string | undefined {
  if (peer === undefined || trustProxy === undefined) return peer;
  const forwarded = (typeof forwardedFor === 'string' ? [forwardedFor] : [...(forwardedFor ?? [])])
    .flatMap((header) => header.split(','))
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
  const chain = [peer, ...forwarded.reverse()];
  if (typeof trustProxy === 'number') return chain[Math.min(trustProxy, chain.length - 1)];
  let index = 0;
  while (index < chain.length - 1) {
    const address = parseIp(chain[index]!);
    if (address === undefined || !trustProxy.some((range) => ipInRange(address, range))) break;
    index++;
  }
  return chain[index];
}
