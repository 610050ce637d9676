import type { ProcessedSince, ProcessedWebhook } from '../dedupe-store.js';

/**
 * How many completions a profile keeps: enough to tell a replay that it was superseded and
 * by what (a replay lists 20 at most); a profile with more is still superseded, its count a
 * lower bound. The Redis store keeps as many.
 */
export const COMPLETIONS_PER_PROFILE = 64;

/** Event names shared at most (Passfort has a few dozen; unknown ones are kept as they come). */
const EVENT_NAMES = 256;

const NONE: ProcessedSince = Object.freeze({ count: 0, webhooks: Object.freeze([]) });

/** One completion as kept; copied into a `ProcessedWebhook` only when read (replays are rare). */
interface Entry {
  readonly id: string;
  readonly event: string;
  readonly at: number;
}

/**
 * A profile's completions in time order: the one entry itself while it has one, a list from
 * its second. Why: a receiver sees a new profile with most webhooks (one check per profile),
 * and each lives through a whole generation (thousands of webhooks), so what it holds is
 * copied out of the young heap and later collected as old: a list made by `[]` and a push
 * holds room for 17 entries (about 150 bytes). Measured alone, `record` for a new profile each
 * time, in paired runs: 855–1,106 ns with a list, 355–492 with the entry itself.
 */
type Completions = Entry | Entry[];

/** `kept` as a list that can take more entries. */
function listOf(kept: Completions): Entry[] {
  return Array.isArray(kept) ? kept : [kept];
}

/**
 * The memory store's record of completed webhooks by profile, for `processedSince`: bounded
 * in time (an entry expires with the store's retention), per profile (the newest
 * {@link COMPLETIONS_PER_PROFILE}) and in profiles (at most `maxProfiles`), so that a run of a
 * million webhooks over as many profiles stays within `maxProfiles × 64` entries, about 100
 * bytes each.
 *
 * Profiles live in two generations of up to half of `maxProfiles` each: updates go to the
 * young one (a profile found in the old one moves up), and when the young one is full it
 * becomes the old one and the previous old one is forgotten whole. So the least recently
 * updated are forgotten first, half of the cap at a time, and at least the `maxProfiles / 2`
 * most recently updated profiles are always kept. Why not one Map kept in update order: taking
 * its least recent key (`keys().next()`) must step over every key deleted before it, and a
 * store seeing a new profile per webhook paid 7 µs a record for that, more than the rest of
 * the receiver together. Here a record is two Map lookups.
 *
 * Expiry is by generation too: one whose newest completion has expired is dropped whole;
 * an expired entry in a live generation is never read (`since` filters by time) and goes
 * with its generation.
 */
export class ProfileHistory {
  /** Profiles updated since the last turn of generations. */
  #young = new Map<string, Completions>();
  /** Profiles updated before it; forgotten whole at the next turn. */
  #old = new Map<string, Completions>();
  /** The newest completion in each generation (epoch ms). */
  #youngNewest = Number.NEGATIVE_INFINITY;
  #oldNewest = Number.NEGATIVE_INFINITY;
  readonly #generationSize: number;
  readonly #retentionMs: number;
  /**
   * One string per event name, shared by every entry: each webhook's `event` is a string of its
   * own parsed body, and keeping it in an entry kept one more string per completion through
   * the scavenges that promote entries: 200,000 single webhooks through the receiver spent
   * 553 → 477 ms in scavenges (medians of 3 paired runs), 14.85 → 13.26 µs a request. Event
   * names are few; past the bound they are kept as they come.
   */
  readonly #events = new Map<string, string>();
  /** The last profile recorded and its list: a batch of one profile's webhooks skips lookups. */
  #lastProfile: string | undefined;
  #lastEntries: Entry[] | undefined;

  constructor(maxProfiles: number, retentionMs: number) {
    this.#generationSize = Math.max(1, Math.floor(maxProfiles / 2));
    this.#retentionMs = retentionMs;
  }

  /** Profiles remembered. */
  get size(): number {
    return this.#young.size + this.#old.size;
  }

  /** Records that webhook `id` (`event`) for `profileId` completed at `at`. */
  record(profileId: string, id: string, event: string, at: number): void {
    if (at > this.#youngNewest) this.#youngNewest = at;
    const entry: Entry = { id, event: this.#shared(event), at };
    let entries = profileId === this.#lastProfile ? this.#lastEntries : undefined;
    if (entries === undefined) {
      const found = this.#young.get(profileId);
      if (found === undefined) {
        const old = this.#old.get(profileId);
        if (old !== undefined) this.#old.delete(profileId);
        if (this.#young.size >= this.#generationSize) this.#turn();
        if (old === undefined) {
          // A profile's first completion is kept as the entry itself (see `Completions`).
          this.#young.set(profileId, entry);
          return;
        }
        entries = listOf(old);
        this.#young.set(profileId, entries);
      } else if (!Array.isArray(found)) {
        entries = listOf(found);
        this.#young.set(profileId, entries);
      } else {
        entries = found;
      }
    }
    this.#lastProfile = profileId;
    this.#lastEntries = entries;
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
    const kept = this.#young.get(profileId) ?? this.#old.get(profileId);
    if (kept === undefined) return NONE;
    const entries = Array.isArray(kept) ? kept : [kept];
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

  /** Forgets each generation whose newest completion has expired at `at`. */
  forget(at: number): void {
    const expiredUntil = at - this.#retentionMs;
    if (this.#oldNewest > expiredUntil) return; // the common case: nothing to do
    if (this.#old.size > 0) {
      this.#old = new Map();
      this.#oldNewest = Number.NEGATIVE_INFINITY;
    }
    if (this.#young.size > 0 && this.#youngNewest <= expiredUntil) {
      this.#young = new Map();
      this.#youngNewest = Number.NEGATIVE_INFINITY;
      this.#lastProfile = undefined;
      this.#lastEntries = undefined;
    }
  }

  #shared(event: string): string {
    const shared = this.#events.get(event);
    if (shared !== undefined) return shared;
    if (this.#events.size < EVENT_NAMES) this.#events.set(event, event);
    return event;
  }

  /** The young generation becomes the old one; the old one is forgotten. */
  #turn(): void {
    this.#old = this.#young;
    this.#oldNewest = this.#youngNewest;
    this.#young = new Map();
    this.#youngNewest = Number.NEGATIVE_INFINITY;
    this.#lastProfile = undefined;
    this.#lastEntries = undefined;
  }
}
