import type { ClaimOutcome, CompleteResult, DeadLetter, DedupeStore } from '../dedupe-store.js';
import { DoneIds } from './done-ids.js';
import { FingerprintCodes } from './fingerprint-codes.js';
import { type MemoryStoreOptions, resolveMemoryStoreOptions } from './memory-store-options.js';
import { mayAct, OtherClaims } from './other-claims.js';
import { ProfileHistory } from './profile-history.js';
import { CLAIM_BUSY, CLAIM_DONE } from './uuid-record-table.js';
import { uuidWords } from './uuid-words.js';

export type { MemoryStoreOptions } from './memory-store-options.js';

// Shared outcomes: a claim answers a batch of 100 without making an object per id.
const DONE: ClaimOutcome = Object.freeze({ status: 'done' });
const NOTHING_REFUSED: CompleteResult = Object.freeze({ refused: Object.freeze([]) });
/** Owners are numbered in 16 bits; past that many, a claim records none (and is not fenced). */
const MAX_OWNERS = 0xffff;
const BUSY: ClaimOutcome = Object.freeze({ status: 'busy' });
const FIRST_CLAIM: ClaimOutcome = Object.freeze({ status: 'claimed', attempt: 1 });

function attemptOutcome(attempts: number): ClaimOutcome {
  return attempts === 1 ? FIRST_CLAIM : { status: 'claimed', attempt: attempts };
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
  // Leases and retention on `now`, a clock that does not jump; completion times, which a replay
  // compares with a dead letter's failedAt (epoch ms), on `wallNow`.
  const { maxEntries, retentionMs, maxDeadLetters, maxProfiles, now, wallNow } =
    resolveMemoryStoreOptions(options);

  // Expiry by id, in tenths of a second from the store's creation (a compact integer).
  const origin = now();
  const toTick = (at: number) => Math.ceil((at - origin) / 100);
  const done = new DoneIds();
  const { uuids } = done;
  const otherClaims = new OtherClaims();
  const deadLetters = new Map<string, DeadLetter>();
  const profiles = new ProfileHistory(maxProfiles, retentionMs);
  const prints = new FingerprintCodes();
  const owners = new Map<string, number>();
  // A receiver calls with its own owner every time: the last one is answered without a lookup.
  let lastOwner: string | undefined;
  let lastOwnerNumber = 0;
  /** The number of `owner` (0: none, or too many owners to number). */
  function ownerNumber(owner: string | undefined): number {
    if (owner === undefined) return 0;
    if (owner === lastOwner) return lastOwnerNumber;
    let number = owners.get(owner);
    if (number === undefined) {
      if (owners.size >= MAX_OWNERS) return 0;
      number = owners.size + 1;
      owners.set(owner, number);
    }
    lastOwner = owner;
    lastOwnerNumber = number;
    return number;
  }

  const words = new Uint32Array(4);
  // The last id read into words, and its words: a webhook's id is read by its claim, then by
  // its completion, and in a batch also by the completion before it (which counts its start),
  // so remembering one id reads each once or twice instead of two or three times (a UUID read
  // is a loop over 36 characters: about 1.3 % of a single webhook's profile, 2.4 % of a batch's).
  let lastId: string | undefined;
  let lastIsUuid = false;
  const lastWords = new Uint32Array(4);
  /** `uuidWords(id, words)`, answered from the last id read when it is the same. */
  function readWords(id: string): boolean {
    if (id === lastId) {
      if (lastIsUuid) words.set(lastWords);
      return lastIsUuid;
    }
    lastIsUuid = uuidWords(id, words);
    lastId = id;
    if (lastIsUuid) lastWords.set(words);
    return lastIsUuid;
  }
  /** Records `id` as done; false (and nothing changed) when another `owner` holds it. */
  function markDone(id: string, at: number, owner = 0): boolean {
    const expiry = toTick(at + retentionMs);
    if (readWords(id)) return uuids.set(words, expiry, owner);
    const claim = otherClaims.get(id);
    const previous = claim === undefined ? done.other(id) : undefined;
    const holder = claim?.owner ?? previous?.owner ?? 0;
    if (!mayAct(holder, owner)) return false;
    otherClaims.delete(id);
    const fingerprint = claim?.fingerprint ?? previous?.fingerprint;
    done.setOther(id, { expiry, owner: owner || holder, fingerprint });
    return true;
  }

  function claimOther(
    id: string,
    at: number,
    tick: number,
    leaseMs: number,
    owner: number,
    counts: boolean,
    fingerprint: string | undefined,
  ): ClaimOutcome {
    const previous = done.other(id);
    if (previous !== undefined) {
      if (previous.expiry > tick) {
        return previous.fingerprint === undefined
          ? DONE
          : { status: 'done', fingerprint: previous.fingerprint };
      }
      done.delete(id);
    }
    const attempt = otherClaims.claim(id, at, leaseMs, owner, counts, fingerprint);
    return attempt === CLAIM_BUSY ? BUSY : attemptOutcome(attempt);
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

  /** A done outcome, with the fingerprint its record keeps (an object only when it has one). */
  function doneOutcome(code: number, hash: number): ClaimOutcome {
    const fingerprint = prints.decode(code, hash);
    return fingerprint === undefined ? DONE : { status: 'done', fingerprint };
  }

  /** Counts the attempt of a claim whose handlers start now (see `CompleteOptions.started`). */
  function start(id: string, owner: number, at: number): void {
    if (readWords(id)) {
      uuids.start(words, at, owner);
      return;
    }
    otherClaims.start(id, owner, at);
  }

  let forgottenAt = Number.NaN;
  function forgetOld(at: number): void {
    const tick = toTick(at);
    // Expiry moves in ticks of 0.1 s: within one tick only the size bounds can change.
    if (
      tick === forgottenAt &&
      done.size <= maxEntries &&
      otherClaims.size <= maxEntries &&
      uuids.claims <= maxEntries
    ) {
      return;
    }
    forgottenAt = tick;
    done.forget(tick, maxEntries);
    // Claims of ids that were never completed nor redelivered; forget the oldest.
    uuids.dropClaims(maxEntries, at);
    otherClaims.forgetOldest(maxEntries);
  }

  return {
    claim(ids, { leaseMs, owner, starts, fingerprints }) {
      const at = now();
      const tick = toTick(at);
      const holder = ownerNumber(owner);
      const countsAll = starts !== 'first';
      const outcomes: ClaimOutcome[] = new Array(ids.length);
      // A batch's keys are read once, their slots touched, then claimed (see `touch`).
      const batched = ids.length > 1 && readBatchKeys(ids);
      for (let i = 0; i < ids.length; i++) {
        const id = ids[i]!;
        const counts = countsAll || i === 0;
        const fingerprint = fingerprints?.[i];
        const uuid = batched ? keyOf[i]! >= 0 : readWords(id);
        if (!uuid) {
          outcomes[i] = claimOther(id, at, tick, leaseMs, holder, counts, fingerprint);
          continue;
        }
        if (batched) {
          const at4 = keyOf[i]! * 4;
          words[0] = batchKeys[at4]!;
          words[1] = batchKeys[at4 + 1]!;
          words[2] = batchKeys[at4 + 2]!;
          words[3] = batchKeys[at4 + 3]!;
        }
        const code = prints.encode(fingerprint);
        const claimed = uuids.claim(words, at, leaseMs, tick, holder, counts, code, prints.hash);
        outcomes[i] =
          claimed === CLAIM_DONE
            ? doneOutcome(uuids.foundCode, uuids.foundHash)
            : claimed === CLAIM_BUSY
              ? BUSY
              : attemptOutcome(claimed);
      }
      if (deadLetters.size !== 0) keepDeadLettersDone(ids, outcomes, at);
      forgetOld(at);
      return outcomes;
    },
    complete(ids, options) {
      const at = now();
      const owner = options === undefined ? 0 : ownerNumber(options.owner);
      let refused: string[] | undefined;
      for (const id of ids) {
        if (markDone(id, at, owner)) continue;
        refused ??= [];
        refused.push(id);
      }
      const started = options?.started;
      if (started !== undefined) start(started, owner, at);
      const completed = options?.profiles;
      if (completed !== undefined && completed.length > 0) {
        const wall = wallNow();
        for (let i = 0; i < completed.length; i++) {
          const { id, event, profileId, processedAt } = completed[i]!;
          if (refused?.includes(id) === true) continue;
          profiles.record(profileId, id, event, processedAt ?? wall);
        }
        profiles.forget(wall);
      }
      forgetOld(at);
      return refused === undefined ? NOTHING_REFUSED : { refused };
    },
    processedSince(profileId, since, { limit = 20, excluding } = {}) {
      const at = wallNow();
      profiles.forget(at);
      return profiles.since(profileId, since, limit, excluding, at);
    },
    release(ids, options) {
      const failed = options?.failed === true;
      const owner = ownerNumber(options?.owner);
      for (const id of ids) {
        if (uuidWords(id, words)) {
          uuids.release(words, failed, owner);
          continue;
        }
        otherClaims.release(id, failed, owner);
      }
    },
    renew(ids, { leaseMs, owner }) {
      const at = now();
      const holder = ownerNumber(owner);
      for (const id of ids) {
        if (uuidWords(id, words)) {
          uuids.renew(words, at, leaseMs, holder);
          continue;
        }
        otherClaims.renew(id, at, leaseMs, holder);
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
