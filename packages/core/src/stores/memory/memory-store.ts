import { ConfigurationError } from '../../errors/configuration-error.js';
import type { ClaimOutcome, DeadLetter, DedupeStore } from '../dedupe-store.js';
import { DEFAULT_RETENTION_MS } from '../dedupe-store.js';
import { DoneIds } from './done-ids.js';
import { ProfileHistory } from './profile-history.js';
import { CLAIM_BUSY, CLAIM_DONE } from './uuid-record-table.js';
import { uuidWords } from './uuid-words.js';

/** Options of {@link memoryStore}. */
export interface MemoryStoreOptions {
  /**
   * How many ids to remember at most; the oldest completed ones are forgotten first.
   * @default 1_000_000
   */
  maxEntries?: number;
  /**
   * How long a completed id is remembered. Passfort redelivers an unacknowledged batch
   * within hours (12 retries take about 34 hours, then daily), so the default outlasts it.
   * @default 7 days
   */
  retentionMs?: number;
  /**
   * How many dead letters to keep at most; the oldest are dropped first.
   * @default 10_000
   */
  maxDeadLetters?: number;
  /**
   * How many profiles' completions to remember for order-safe replay (`processedSince`), each
   * its newest 64 for the retention; the least recently updated profile is forgotten first.
   * A replayed dead letter whose profile was forgotten is not known to be superseded.
   * @default 10_000
   */
  maxProfiles?: number;
  /** The clock, for tests. @default Date.now */
  now?: () => number;
}

// Shared outcomes: a claim answers a batch of 100 without making an object per id.
const DONE: ClaimOutcome = Object.freeze({ status: 'done' });
const BUSY: ClaimOutcome = Object.freeze({ status: 'busy' });
const FIRST_CLAIM: ClaimOutcome = Object.freeze({ status: 'claimed', attempt: 1 });

function attemptOutcome(attempts: number): ClaimOutcome {
  return attempts === 1 ? FIRST_CLAIM : { status: 'claimed', attempt: attempts };
}

/** A claim of an id that is not a UUID (UUIDs are claimed in the done table itself). */
interface Claim {
  leaseUntil: number;
  attempts: number;
}

/**
 * The default {@link DedupeStore}: in this process's memory, bounded in size and time.
 * It is lost on restart and not shared between processes; use the Redis or Postgres
 * store when either matters. Runs on every runtime.
 *
 * A dead letter's id stays done for as long as the letter is kept, then for the retention
 * from its delete. For order-safe replay it remembers, per profile, the newest 64 completions
 * for the retention (`processedSince`; a count beyond 64 is a lower bound), for at most
 * `maxProfiles` profiles.
 *
 * @example
 * const webhooks = createPassfortWebhooks({ secret, store: memoryStore({ maxEntries: 100_000 }) });
 */
export function memoryStore(options: MemoryStoreOptions = {}): DedupeStore {
  const maxEntries = options.maxEntries ?? 1_000_000;
  const retentionMs = options.retentionMs ?? DEFAULT_RETENTION_MS;
  const maxDeadLetters = options.maxDeadLetters ?? 10_000;
  const maxProfiles = options.maxProfiles ?? 10_000;
  const now = options.now ?? Date.now;
  if (!Number.isInteger(maxEntries) || maxEntries < 1) {
    throw new ConfigurationError('memoryStore maxEntries must be a positive integer');
  }
  if (!Number.isInteger(maxDeadLetters) || maxDeadLetters < 1) {
    throw new ConfigurationError('memoryStore maxDeadLetters must be a positive integer');
  }
  if (!Number.isInteger(maxProfiles) || maxProfiles < 1) {
    throw new ConfigurationError('memoryStore maxProfiles must be a positive integer');
  }
  if (!(retentionMs > 0)) throw new ConfigurationError('memoryStore retentionMs must be positive');

  // Expiry by id, in tenths of a second from the store's creation (a compact integer).
  const origin = now();
  const toTick = (at: number) => Math.ceil((at - origin) / 100);
  const done = new DoneIds();
  const { uuids } = done;
  const claims = new Map<string, Claim>();
  const deadLetters = new Map<string, DeadLetter>();
  const profiles = new ProfileHistory(maxProfiles, retentionMs);

  const words = new Uint32Array(4);
  function markDone(id: string, at: number): void {
    const expiry = toTick(at + retentionMs);
    if (uuidWords(id, words)) {
      uuids.set(words, expiry);
      return;
    }
    claims.delete(id);
    done.set(id, expiry);
  }

  function claimOther(id: string, at: number, tick: number, leaseMs: number): ClaimOutcome {
    const expiresAt = done.get(id);
    if (expiresAt !== undefined) {
      if (expiresAt > tick) return DONE;
      done.delete(id);
    }
    const claim = claims.get(id);
    if (claim !== undefined && claim.leaseUntil > at) return BUSY;
    const attempts = (claim?.attempts ?? 0) + 1;
    // Re-inserted so the Map's order stays the order of the latest claims.
    if (claim !== undefined) claims.delete(id);
    claims.set(id, { leaseUntil: at + leaseMs, attempts });
    return attemptOutcome(attempts);
  }

  // The keys of a batch's UUIDs, for one pass that touches their slots before claiming.
  let batchKeys = new Uint32Array(4 * 128);
  let keyOf = new Int32Array(128);
  /** Reads a batch's UUIDs into `batchKeys` (`keyOf[i]`: id i's key, or -1) and touches them. */
  function readBatchKeys(ids: readonly string[]): true {
    if (keyOf.length < ids.length) {
      batchKeys = new Uint32Array(ids.length * 4);
      keyOf = new Int32Array(ids.length);
    }
    let count = 0;
    for (let i = 0; i < ids.length; i++) {
      if (!uuidWords(ids[i]!, words)) {
        keyOf[i] = -1;
        continue;
      }
      batchKeys.set(words, count * 4);
      keyOf[i] = count++;
    }
    uuids.touch(batchKeys, count);
    return true;
  }

  /**
   * A dead letter's id stays done while the letter exists, whatever the retention or the size
   * bound forgot: a redelivery must not run what an operator may still replay (and, on a
   * transactional store, the letter's effect record must outlive it). Rather than exempting
   * letters from the expiry ring, a claim that found such an id free turns it back into done;
   * only claims while dead letters exist pay the lookup.
   */
  function keepDeadLettersDone(ids: readonly string[], outcomes: ClaimOutcome[], at: number): void {
    for (let i = 0; i < ids.length; i++) {
      if (outcomes[i]!.status !== 'claimed' || !deadLetters.has(ids[i]!)) continue;
      markDone(ids[i]!, at);
      outcomes[i] = DONE;
    }
  }

  let forgottenAt = Number.NaN;
  function forgetOld(at: number): void {
    const tick = toTick(at);
    // Expiry moves in ticks of 0.1 s: within one tick only the size bounds can change.
    if (
      tick === forgottenAt &&
      done.size <= maxEntries &&
      claims.size <= maxEntries &&
      uuids.claims <= maxEntries
    ) {
      return;
    }
    forgottenAt = tick;
    done.forget(tick, maxEntries);
    // Claims of ids that were never completed nor redelivered; forget the oldest. Checked
    // before iterating: a Map's iterator first steps over every entry deleted since its last
    // rehash, which with many claims outstanding cost tens of µs per completion.
    uuids.dropClaims(maxEntries, at);
    if (claims.size <= maxEntries) return;
    for (const id of claims.keys()) {
      if (claims.size <= maxEntries) break;
      claims.delete(id);
    }
  }

  return {
    claim(ids, { leaseMs }) {
      const at = now();
      const tick = toTick(at);
      const outcomes: ClaimOutcome[] = new Array(ids.length);
      // A batch's keys are read once, their slots touched, then claimed (see `touch`).
      const batched = ids.length > 1 && readBatchKeys(ids);
      for (let i = 0; i < ids.length; i++) {
        const id = ids[i]!;
        const uuid = batched ? keyOf[i]! >= 0 : uuidWords(id, words);
        if (!uuid) {
          outcomes[i] = claimOther(id, at, tick, leaseMs);
          continue;
        }
        if (batched) {
          const at4 = keyOf[i]! * 4;
          words[0] = batchKeys[at4]!;
          words[1] = batchKeys[at4 + 1]!;
          words[2] = batchKeys[at4 + 2]!;
          words[3] = batchKeys[at4 + 3]!;
        }
        const claimed = uuids.claim(words, at, leaseMs, tick);
        outcomes[i] =
          claimed === CLAIM_DONE ? DONE : claimed === CLAIM_BUSY ? BUSY : attemptOutcome(claimed);
      }
      if (deadLetters.size !== 0) keepDeadLettersDone(ids, outcomes, at);
      forgetOld(at);
      return outcomes;
    },
    complete(ids, options) {
      const at = now();
      for (const id of ids) markDone(id, at);
      const completed = options?.profiles;
      if (completed !== undefined && completed.length > 0) {
        for (const { id, event, profileId, processedAt } of completed) {
          profiles.record(profileId, id, event, processedAt ?? at);
        }
        profiles.forget(at);
      }
      forgetOld(at);
    },
    processedSince(profileId, since, { limit = 20, excluding } = {}) {
      const at = now();
      profiles.forget(at);
      return profiles.since(profileId, since, limit, excluding, at);
    },
    release(ids, { failed = false } = {}) {
      for (const id of ids) {
        if (uuidWords(id, words)) {
          uuids.release(words, failed);
          continue;
        }
        const claim = claims.get(id);
        if (claim === undefined) continue;
        claim.leaseUntil = 0;
        if (!failed) claim.attempts = Math.max(0, claim.attempts - 1);
      }
    },
    renew(ids, { leaseMs }) {
      const at = now();
      for (const id of ids) {
        if (uuidWords(id, words)) {
          uuids.renew(words, at, leaseMs);
          continue;
        }
        const claim = claims.get(id);
        if (claim !== undefined && claim.leaseUntil > at) claim.leaseUntil = at + leaseMs;
      }
    },
    addDeadLetter(letter) {
      const at = now();
      markDone(letter.id, at);
      deadLetters.delete(letter.id);
      deadLetters.set(letter.id, letter);
      for (const id of deadLetters.keys()) {
        if (deadLetters.size <= maxDeadLetters) break;
        deadLetters.delete(id);
        // Dropped for room, not replayed: remembered for the retention from now, as on delete.
        markDone(id, at);
      }
      forgetOld(at);
    },
    listDeadLetters({ limit = 100 } = {}) {
      return [...deadLetters.values()]
        .sort((a, b) => a.failedAt - b.failedAt || (a.id < b.id ? -1 : 1))
        .slice(0, limit);
    },
    getDeadLetter: (id) => deadLetters.get(id),
    deleteDeadLetter(id) {
      if (!deadLetters.delete(id)) return false;
      // The letter kept its id done; from now on the retention does.
      const at = now();
      markDone(id, at);
      forgetOld(at);
      return true;
    },
    countDeadLetters: () => deadLetters.size,
  };
}
