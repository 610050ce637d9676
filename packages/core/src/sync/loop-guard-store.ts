import type { Awaitable } from '../stores/dedupe-store.js';

/** Where a loop guard remembers the fingerprints of what we wrote, per profile. */
export interface LoopGuardStore {
  /** Remembers a fingerprint for a profile for `ttlMs`. */
  remember(profileId: string, fingerprint: string, ttlMs: number): Awaitable<void>;
  /** True if the fingerprint was remembered for the profile and has not expired. */
  isRemembered(profileId: string, fingerprint: string): Awaitable<boolean>;
  close?(): Awaitable<void>;
}
