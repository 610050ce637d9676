/**
 * The update flow: GET → mutate → POST with `If-Match`, again on 412, and the lost answer. A
 * POST whose answer never came (a 5xx, a timeout, a reset) may have landed, and running
 * `mutate` again would then apply it twice (an append lands twice), so each such write is kept
 * as unsettled until a read shows whether it landed. The loop guard is told of each write
 * before it is sent (Passfort may fire the webhook before we get the answer) and, once
 * settled, whether it landed.
 */
import type { PassfortApiError } from '../errors/passfort-api-error.js';
import { PassfortConflictError } from '../errors/passfort-conflict-error.js';
import type { CollectedData } from '../events/collected-data-schema.js';
import type { CompiledDiffOptions } from '../sync/compile-diff-options.js';
import { diffCollectedData } from '../sync/diff-collected-data.js';
import type { PendingWrite } from '../sync/loop-guard.js';
import { asCollectedData, parseJson } from './as-collected-data.js';
import type { Deadline } from './deadline.js';
import type {
  CollectedDataMutation,
  CollectedDataSnapshot,
  UpdateResult,
} from './passfort-client.js';
import { type Answer, type PassfortTransport, RequestFailure } from './passfort-transport.js';
import { readCollectedData } from './read-collected-data.js';

/** What a POST came to: accepted, refused on its ETag, or unknown (the answer was lost). */
type PostOutcome =
  | { readonly kind: 'accepted'; readonly answer: Answer }
  | { readonly kind: 'conflict'; readonly answer: Answer }
  | { readonly kind: 'unknown'; readonly failure: RequestFailure };

/** True when `a` and `b` hold the same data under the loop guard's rules. */
function sameData(a: unknown, b: unknown, rules: CompiledDiffOptions): boolean {
  return diffCollectedData(a, b, rules).length === 0;
}

/**
 * Applies `mutate` to the profile's latest collected_data and writes it with `If-Match`; see
 * `PassfortClient.updateCollectedData` for the whole contract.
 */
export async function updateCollectedData(
  transport: PassfortTransport,
  profileId: string,
  mutate: CollectedDataMutation,
  maxAttempts: number,
  deadline: Deadline<PassfortApiError>,
): Promise<UpdateResult> {
  const { loopGuard, retries, rules } = transport.settings;
  /** Attempts whose answer was lost: each may have landed. */
  const unsettled: { sent: CollectedData; pending: PendingWrite | undefined }[] = [];
  const settle = async (landed: (typeof unsettled)[number] | undefined, stored?: unknown) => {
    for (const attempt of unsettled) {
      await quietly(
        attempt === landed ? attempt.pending?.landed(stored) : attempt.pending?.failed(),
        deadline,
      );
    }
    unsettled.length = 0;
  };
  let current = await readCollectedData(transport, profileId, deadline);
  let conflicts = 0;
  let lostAnswers = 0;
  try {
    for (let attempt = 1; ; attempt++) {
      // A lost answer's write that shows in the latest data landed: don't apply it twice.
      const landed = unsettled.find(({ sent }) => sameData(sent, current.data, rules));
      if (landed !== undefined) {
        await settle(landed, current.data);
        return {
          ...current,
          attempts: attempt - 1,
          written: true,
          unconfirmed: diffCollectedData(landed.sent, current.data, rules),
        };
      }
      const next = await deadline.race(mutate(structuredClone(current.data)));
      if (typeof next !== 'object' || next === null || Array.isArray(next)) {
        throw new TypeError(
          '[passfort-webhooks] updateCollectedData: mutate must return the whole collected_data (an object)',
        );
      }
      if (diffCollectedData(current.data, next, { ignore: [] }).length === 0) {
        await settle(undefined);
        return { ...current, attempts: attempt, written: false, unconfirmed: [] };
      }
      deadline.check();
      // Recorded before sending: Passfort may fire the webhook before we get the answer.
      const pending = await deadline.race(
        loopGuard?.beginWrite(profileId, next, { pendingTtlMs: deadline.remaining() + 60_000 }),
      );
      const outcome = await post(
        transport,
        profileId,
        JSON.stringify(next),
        current.etag,
        deadline,
      );
      if (outcome.kind === 'accepted') {
        unsettled.push({ sent: next, pending });
        return await accepted(
          transport,
          profileId,
          next,
          outcome.answer,
          attempt,
          deadline,
          async (s) => settle(unsettled[unsettled.length - 1], s),
        );
      }
      if (outcome.kind === 'conflict') {
        await quietly(pending?.failed(), deadline);
        if (++conflicts >= maxAttempts) throw new PassfortConflictError(profileId, attempt);
        const latest = asCollectedData(parseJson(outcome.answer.text), current.data);
        current =
          typeof latest !== 'string' && outcome.answer.etag !== null
            ? { data: latest, etag: outcome.answer.etag }
            : await readCollectedData(transport, profileId, deadline, current.data);
        continue;
      }
      // The answer was lost: the write may or may not have landed. Look before retrying.
      unsettled.push({ sent: next, pending });
      lostAnswers++;
      current = await readCollectedData(transport, profileId, deadline, current.data);
      if (unsettled.some(({ sent }) => sameData(sent, current.data, rules))) continue;
      if (lostAnswers > retries) throw outcome.failure.error;
      await transport.backoff(lostAnswers - 1, outcome.failure, deadline);
    }
  } catch (error) {
    // Past the deadline nothing more is done: unsettled writes expire as pending.
    if (!deadline.signal.aborted) await settle(undefined);
    throw error;
  }
}

/** The result of an accepted POST: what Passfort stored, with the ETag of that data. */
async function accepted(
  transport: PassfortTransport,
  profileId: string,
  sent: CollectedData,
  answer: Answer,
  attempts: number,
  deadline: Deadline<PassfortApiError>,
  settle: (stored: unknown) => Promise<void>,
): Promise<UpdateResult> {
  const body = asCollectedData(parseJson(answer.text), sent);
  let stored = typeof body === 'string' ? undefined : body;
  let snapshot: CollectedDataSnapshot | undefined =
    stored !== undefined && answer.etag !== null ? { data: stored, etag: answer.etag } : undefined;
  if (snapshot === undefined) {
    // A 204, an empty or unreadable body, or no ETag: the data and its ETag come from a
    // read, as a pair (a later version's ETag beside our data would let the next write
    // overwrite that version).
    try {
      snapshot = await readCollectedData(transport, profileId, deadline, sent);
      stored ??= sameData(snapshot.data, sent, transport.settings.rules) ? snapshot.data : sent;
    } catch {
      // Written all the same: the answer said so. The ETag is unknown ('').
      stored ??= sent;
      snapshot = { data: stored, etag: answer.etag ?? '' };
    }
  }
  await settle(stored);
  return {
    ...snapshot,
    attempts,
    written: true,
    unconfirmed: diffCollectedData(sent, stored, transport.settings.rules),
  };
}

/** A POST; 429s retried (nothing was written), every answer that may hide a write returned. */
async function post(
  transport: PassfortTransport,
  profileId: string,
  body: string,
  ifMatch: string,
  deadline: Deadline<PassfortApiError>,
): Promise<PostOutcome> {
  const where = `POST /profiles/${profileId}/collected_data`;
  for (let attempt = 0; ; attempt++) {
    let answer: Answer;
    try {
      answer = await transport.exchange('POST', profileId, { body, ifMatch }, deadline);
    } catch (error) {
      if (!(error instanceof RequestFailure)) throw error;
      return { kind: 'unknown', failure: error };
    }
    if (answer.status >= 200 && answer.status < 300) return { kind: 'accepted', answer };
    if (answer.status === 412) return { kind: 'conflict', answer };
    const failure = transport.statusFailure(where, answer);
    if (answer.status === 429 && attempt < transport.settings.retries) {
      await transport.backoff(attempt, failure, deadline);
      continue;
    }
    if (answer.status >= 500) return { kind: 'unknown', failure };
    throw failure.error;
  }
}

/** Runs a loop-guard call within the deadline; its failure must not undo a settled write. */
async function quietly(
  work: Promise<void> | undefined,
  deadline: Deadline<PassfortApiError>,
): Promise<void> {
  if (work === undefined) return;
  await deadline.race(work).catch(() => {});
}
