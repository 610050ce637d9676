import type { ProcessedSince, ProcessedWebhook } from '../dedupe-store.js';

/**
 * How many completions a profile keeps: enough to tell a replay that it was superseded and
 * by what (a replay lists 20 at most); a profile with more is still superseded, its count a
 * lower bound. The Redis store keeps as many.
 */
export const COMPLETIONS_PER_PROFILE = 64;

const NONE: ProcessedSince = Object.freeze({ count: 0, webhooks: Object.freeze([]) });

/** One completion as kept; copied into a `ProcessedWebhook` only when read (replays are rare). */
interface Entry {
  readonly id: string;
  readonly event: string;
  readonly at: number;
}

/**
 * The memory store's record of completed webhooks by profile, for `processedSince`: bounded
 * in time (an entry expires with the store's retention), per profile (the newest
 * {@link COMPLETIONS_PER_PROFILE}) and in profiles (the least recently updated is forgotten
 * first), so that a run of a million webhooks over as many profiles stays within
 * `maxProfiles × 64` entries, about 100 bytes each.
 *
 * Recording is on every completion that names a profile, so it does the least it can: an
 * append, no search, no re-insertion when the profile was also the last one updated (a batch
 * of one profile's webhooks), and an expiry sweep only once something can have expired.
 * Reading (a replay, the console) does the rest.
 */
export class ProfileHistory {
  /** Each profile's completions, oldest first; profiles least recently updated first. */
  readonly #profiles = new Map<string, Entry[]>();
  readonly #maxProfiles: number;
  readonly #retentionMs: number;
  #lastProfile: string | undefined;
  /** No profile's newest completion expires before this: {@link forget} has nothing to do. */
  #nothingExpiresBefore = Number.NEGATIVE_INFINITY;

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
      this.#profiles.set(profileId, entries);
      if (this.#profiles.size > this.#maxProfiles) this.#dropLeastRecent();
    } else if (profileId !== this.#lastProfile) {
      // Re-inserted so the Map's order stays the order of the latest updates.
      this.#profiles.delete(profileId);
      this.#profiles.set(profileId, entries);
    }
    this.#lastProfile = profileId;
    const entry: Entry = { id, event, at };
    const last = entries[entries.length - 1];
    if (last === undefined || last.at <= at) {
      entries.push(entry);
    } else {
      // A clock set back: the entry goes where its time says, so the list stays ordered.
      let place = entries.length - 1;
      while (place > 0 && entries[place - 1]!.at > at) place--;
      entries.splice(place, 0, entry);
    }
    if (entries.length > COMPLETIONS_PER_PROFILE) entries.shift();
  }

  /**
   * The profile's completions after `since` (epoch ms, exclusive) and unexpired at `at`, but
   * `excluding`: counted, the oldest `limit` listed. A webhook completed twice counts once, at
   * its latest completion. A profile keeps its newest 64, so for one with more since then the
   * count is a lower bound and the oldest listed are the oldest kept: still superseded, which
   * is what a replay needs to know.
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
    const after = Math.max(since, at - this.#retentionMs);
    const seen = new Set<string>();
    const found: Entry[] = [];
    // Newest first, so a repeated id is counted at its latest completion.
    for (let i = entries.length - 1; i >= 0 && entries[i]!.at > after; i--) {
      const entry = entries[i]!;
      if (entry.id === excluding || seen.has(entry.id)) continue;
      seen.add(entry.id);
      found.push(entry);
    }
    if (found.length === 0) return NONE;
    const webhooks: ProcessedWebhook[] = [];
    for (let i = found.length - 1; i >= 0 && webhooks.length < limit; i--) {
      const { id, event, at: processedAt } = found[i]!;
      webhooks.push({ id, event, processedAt });
    }
    return { count: found.length, webhooks };
  }

  /**
   * Forgets the profiles whose newest completion has expired at `at`. They sit at the front:
   * a profile moves to the back whenever it is updated.
   */
  forget(at: number): void {
    if (at < this.#nothingExpiresBefore) return;
    const expiredUntil = at - this.#retentionMs;
    for (const [profileId, entries] of this.#profiles) {
      const newest = entries[entries.length - 1]!.at;
      if (newest > expiredUntil) {
        // The front profile's newest completion is the oldest of all the profiles' newest.
        this.#nothingExpiresBefore = newest + this.#retentionMs;
        return;
      }
      this.#profiles.delete(profileId);
      if (profileId === this.#lastProfile) this.#lastProfile = undefined;
    }
    this.#nothingExpiresBefore = Number.NEGATIVE_INFINITY;
  }

  #dropLeastRecent(): void {
    const oldest = this.#profiles.keys().next().value!;
    this.#profiles.delete(oldest);
    if (oldest === this.#lastProfile) this.#lastProfile = undefined;
  }
}
