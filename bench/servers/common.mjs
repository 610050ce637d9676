// Shared by the benchmark servers: the secret, a timing-safe comparison written as an
// experienced developer would by hand, and the ready signal the harness waits for.
import { createHash, timingSafeEqual } from 'node:crypto';

export const SECRET = 'bench-webhook-secret-3f9a';
const expected = createHash('sha256').update(SECRET).digest();

/** Timing-safe, length-independent comparison (hash both sides, compare digests). */
export function secretMatches(value) {
  return (
    typeof value === 'string' &&
    timingSafeEqual(createHash('sha256').update(value).digest(), expected)
  );
}

/** The bare routes' whole job: the Bearer header and every envelope's secret. */
export function authentic(authorization, parsed) {
  if (typeof authorization !== 'string' || !authorization.startsWith('Bearer ')) return false;
  if (!secretMatches(authorization.slice(7))) return false;
  const list = Array.isArray(parsed) ? parsed : [parsed];
  for (const item of list) if (!secretMatches(item?.secret)) return false;
  return true;
}

export function ready(server) {
  server.listen(Number(process.env.PORT), '127.0.0.1', () => process.send?.('ready'));
}
