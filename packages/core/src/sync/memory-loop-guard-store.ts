import type { LoopGuardStore } from './loop-guard-store.js';

/** Options of {@link memoryLoopGuardStore}. */
export interface MemoryLoopGuardStoreOptions {
  /** Profiles remembered at most; the least recently written are forgotten first. @default 100_000 */
  maxProfiles?: number;
  /** Fingerprints kept per profile (recent writes still in flight). @default 16 */
  perProfile?: number;
  /** The clock, for tests. @default Date.now */
  now?: () => number;
}

/** The default {@link LoopGuardStore}: this process's memory, bounded. */
export function memoryLoopGuardStore(options: MemoryLoopGuardStoreOptions = {}): LoopGuardStore {
  const maxProfiles = options.maxProfiles ?? 100_000;
  const perProfile = options.perProfile ?? 16;
  const now = options.now ?? Date.now;
  const profiles = new Map<string, Map<string, number>>();
  return {
    remember(profileId, fingerprint, ttlMs) {
      const entries = profiles.get(profileId) ?? new Map<string, number>();
      profiles.delete(profileId);
      profiles.set(profileId, entries);
      entries.delete(fingerprint);
      entries.set(fingerprint, now() + ttlMs);
      for (const key of entries.keys()) {
        if (entries.size <= perProfile) break;
        entries.delete(key);
      }
      for (const key of profiles.keys()) {
        if (profiles.size <= maxProfiles) break;
        profiles.delete(key);
      }
    },
    isRemembered(profileId, fingerprint) {
      const expiresAt = profiles.get(profileId)?.get(fingerprint);
      return expiresAt !== undefined && expiresAt > now();
    },
  };
}
