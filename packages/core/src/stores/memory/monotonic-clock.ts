/**
 * A clock that only moves forward: `performance.now()` from the wall-clock time it was made.
 * Leases measured by `Date.now()` all ended at once when the system clock was set forward
 * (NTP stepping it, a VM resumed), and a second delivery could claim webhooks a live one runs.
 */
export function monotonicClock(): () => number {
  // workerd's performance.now() is Date.now() (timeOrigin 0), but 0 at a module's top level,
  // where receivers are made: from there, origin + performance.now() counted the epoch twice,
  // the expiry ticks overflowed, and a redelivery ran its handlers again. Its Date.now() only
  // moves with I/O, never backwards.
  if (performance.timeOrigin === 0) return Date.now;
  const origin = Date.now() - performance.now();
  return () => origin + performance.now();
}
