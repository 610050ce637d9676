import type { ProcessedSince, ProcessedWebhook } from '../dedupe-store.js';

/**
 * How many completions a profile keeps: enough to tell a replay that it was superseded and
 * by what (a replay lists 20 at most); a profile with more is still superseded, its count a
 * lower bound. The Redis store keeps as many.
 */
export const COMPLETIONS_PER_PROFILE = 64;

const NONE: ProcessedSince = Object.freeze({ count: 0, webhooks: Object.freeze([]) });

/**
 * The memory store's record of completed webhooks by profile, for `processedSince`: bounded
 * in time (an entry expires with the store's retention), per profile (the newest
 * {@link COMPLETIONS_PER_PROFILE}) and in profiles (the least recently updated is forgotten
 * first), so that a run of a million webhooks over as many profiles stays within
 * `maxProfiles × 64` entries, about 100 bytes each.
 */
export class ProfileHistory {
  /** Each profile's completions, oldest first; profiles least recently updated first. */
  readonly #profiles = new Map<string, ProcessedWebhook[]>();
  readonly #maxProfiles: number;
  readonly #retentionMs: number;

  constructor(maxProfiles: number, retentionMs: number) {
    this.#maxProfiles = maxProfiles;
    this.#retentionMs = retentionMs;
  }

  /** Profiles remembered. */
  get size(): number {
    return this.#profiles.size;
  }

  /** Records that webhook `id` (`event`) for `profileId` completed at `at`. */
  record(profileId: string, id: string, event: string, at: number): void {
    let entries = this.#profiles.get(profileId);
    if (entries === undefined) {
      entries = [];
    } else {
      // Re-inserted so the Map's order stays the order of the latest updates.
      this.#profiles.delete(profileId);
    }
    this.#profiles.set(profileId, entries);
    // A webhook completed twice (a replay of one already recorded) counts once, as its latest.
    const earlier = entries.findIndex((entry) => entry.id === id);
    if (earlier >= 0) entries.splice(earlier, 1);
    // Kept ordered by time; a clock set back puts the entry where its time says.
    let place = entries.length;
    while (place > 0 && entries[place - 1]!.processedAt > at) place--;
    // Frozen: processedSince hands these very objects out, with nothing copied.
    entries.splice(place, 0, Object.freeze({ id, event, processedAt: at }));
    if (entries.length > COMPLETIONS_PER_PROFILE) entries.shift();
    this.#expire(entries, at);
    while (this.#profiles.size > this.#maxProfiles) {
      this.#profiles.delete(this.#profiles.keys().next().value!);
    }
  }

  /**
   * The profile's completions after `since` (epoch ms, exclusive) and unexpired at `at`, but
   * `excluding`: counted, the oldest `limit` listed. A profile keeps its newest 64, so for one
   * with more since then the count is a lower bound (64 or 63) and the oldest listed are the
   * oldest kept: still superseded, which is what a replay needs to know.
   */
  since(
    profileId: string,
    since: number,
    limit: number,
    excluding: string | undefined,
    at: number,
  ): ProcessedSince {
    const entries = this.#profiles.get(profileId);
    if (entries === undefined) return NONE;
    const expiredUntil = at - this.#retentionMs;
    let count = 0;
    const webhooks: ProcessedWebhook[] = [];
    for (const entry of entries) {
      if (entry.processedAt <= since || entry.processedAt <= expiredUntil || entry.id === excluding)
        continue;
      count++;
      if (webhooks.length < limit) webhooks.push(entry);
    }
    return count === 0 ? NONE : { count, webhooks };
  }

  /**
   * Forgets the profiles whose newest completion has expired at `at`. They sit at the front:
   * a profile moves to the back whenever it is updated.
   */
  forget(at: number): void {
    const expiredUntil = at - this.#retentionMs;
    for (const [profileId, entries] of this.#profiles) {
      const newest = entries[entries.length - 1];
      if (newest !== undefined && newest.processedAt > expiredUntil) return;
      this.#profiles.delete(profileId);
    }
  }

  #expire(entries: ProcessedWebhook[], at: number): void {
    const expiredUntil = at - this.#retentionMs;
    let expired = 0;
    while (expired < entries.length && entries[expired]!.processedAt <= expiredUntil) expired++;
    if (expired > 0) entries.splice(0, expired);
  }
}
