import { ConfigurationError } from '../errors/configuration-error.js';
import { type KnownOptions, refuseUnknownOptions } from '../options/refuse-unknown-options.js';
import type { LoopGuardStore } from './loop-guard-store.js';

/** The options it accepts: an unknown one is refused (see `refuseUnknownOptions`). */
const MEMORY_LOOP_GUARD_STORE_OPTIONS = {
  maxWrites: true,
  perProfile: true,
  maxProfiles: true,
  now: true,
} as const satisfies KnownOptions<MemoryLoopGuardStoreOptions>;

/** Options of {@link memoryLoopGuardStore}. */
export interface MemoryLoopGuardStoreOptions {
  /**
   * Writes remembered at most, over all profiles: the memory cap. A write is held from its
   * attempt until its echo arrives (or its ttl passes), at 0.65–0.95 KB each (measured: a
   * SHA-256 fingerprint, a write id, an expiry, the profile's map), so the default holds at
   * most about 48 MB, reached only when 50,000 writes await their echoes (a receiver down for
   * hours while the app writes). Past it, the writes of the least recently written profiles
   * are forgotten first: their echoes then reach handlers as changes.
   * @default 50_000
   */
  maxWrites?: number;
  /**
   * Writes remembered per profile, awaiting their echoes; the soonest to expire are
   * forgotten first past it. Far above any burst of writers: the window is bounded by time
   * (the loop guard's ttl), not by this.
   * @default 1_000
   */
  perProfile?: number;
  /** @deprecated the cap is `maxWrites`; kept so older options still type-check. */
  maxProfiles?: number;
  /** The clock, for tests. @default Date.now */
  now?: () => number;
}

interface Write {
  fingerprint: string;
  expiresAt: number;
  /** Unused: undefined; used up: the webhook's id (a write used up without one is deleted). */
  usedBy: string | undefined;
}

/**
 * The default {@link LoopGuardStore}: this process's memory, bounded by time (the loop
 * guard's ttl) and by a total (`maxWrites`).
 */
export function memoryLoopGuardStore(options: MemoryLoopGuardStoreOptions = {}): LoopGuardStore {
  refuseUnknownOptions('memoryLoopGuardStore', options, MEMORY_LOOP_GUARD_STORE_OPTIONS);
  const maxWrites = options.maxWrites ?? 50_000;
  const perProfile = options.perProfile ?? 1_000;
  if (!(maxWrites >= 1) || !(perProfile >= 1)) {
    throw new ConfigurationError(
      'memoryLoopGuardStore maxWrites and perProfile must be at least 1',
    );
  }
  const now = options.now ?? Date.now;
  // Profiles in the order they were last written; each profile's writes in insertion order.
  const profiles = new Map<string, Map<string, Write>>();
  let total = 0;

  function writesOf(profileId: string): Map<string, Write> | undefined {
    const writes = profiles.get(profileId);
    if (writes === undefined) return undefined;
    const at = now();
    for (const [id, write] of writes) {
      if (write.expiresAt <= at) {
        writes.delete(id);
        total--;
      }
    }
    if (writes.size === 0) profiles.delete(profileId);
    return writes.size === 0 ? undefined : writes;
  }

  function dropSoonestExpiring(writes: Map<string, Write>): void {
    let soonest: [string, Write] | undefined;
    for (const entry of writes)
      if (soonest === undefined || entry[1].expiresAt < soonest[1].expiresAt) soonest = entry;
    if (soonest !== undefined) {
      writes.delete(soonest[0]);
      total--;
    }
  }

  return {
    remember(profileId, writeId, fingerprint, ttlMs) {
      const writes = writesOf(profileId) ?? new Map<string, Write>();
      profiles.delete(profileId);
      profiles.set(profileId, writes);
      if (writes.delete(writeId)) total--;
      writes.set(writeId, { fingerprint, expiresAt: now() + ttlMs, usedBy: undefined });
      total++;
      while (writes.size > perProfile) dropSoonestExpiring(writes);
      for (const [id, oldest] of profiles) {
        if (total <= maxWrites) break;
        while (oldest.size > 0 && total > maxWrites) dropSoonestExpiring(oldest);
        if (oldest.size === 0) profiles.delete(id);
      }
    },
    confirm(profileId, writeId, fingerprint, ttlMs) {
      const write = writesOf(profileId)?.get(writeId);
      if (write === undefined || write.usedBy !== undefined) return;
      write.fingerprint = fingerprint;
      write.expiresAt = now() + ttlMs;
    },
    forget(profileId, writeId) {
      const writes = profiles.get(profileId);
      if (writes?.delete(writeId)) {
        total--;
        if (writes.size === 0) profiles.delete(profileId);
      }
    },
    take(profileId, fingerprint, webhookId) {
      const writes = writesOf(profileId);
      if (writes === undefined) return false;
      let soonest: Write | undefined;
      for (const write of writes.values()) {
        if (write.fingerprint !== fingerprint) continue;
        if (webhookId !== undefined && write.usedBy === webhookId) return true;
        if (
          write.usedBy === undefined &&
          (soonest === undefined || write.expiresAt < soonest.expiresAt)
        ) {
          soonest = write;
        }
      }
      if (soonest === undefined) return false;
      // Kept, marked, only to recognise the same webhook again; without its id nothing can.
      if (webhookId === undefined) {
        for (const [id, write] of writes) {
          if (write === soonest) {
            writes.delete(id);
            total--;
            break;
          }
        }
        if (writes.size === 0) profiles.delete(profileId);
      } else {
        soonest.usedBy = webhookId;
      }
      return true;
    },
  };
}
