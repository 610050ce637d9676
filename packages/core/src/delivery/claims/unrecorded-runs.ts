import type { DedupeStore } from '../../stores/dedupe-store.js';

/** How many runs {@link unrecordedRuns} remembers at most, oldest forgotten first. */
const UNRECORDED_RUNS = 1024;
const unrecorded = new WeakMap<DedupeStore, Map<string, number>>();

/**
 * Runs of webhooks that started while the store was failing, so that the write carrying their
 * start failed: this process remembers them per store, and adds them to the attempt of the id's
 * next claim here (`claimBatch`), so that the re-run after a store outage is still told it is
 * one (`ctx.attempt` 2) and counts towards `maxAttempts`. Forgotten once the id completes. A
 * redelivery that another process takes does not know them: there, a webhook that ran while
 * the store was down may run again with the same `ctx.attempt`.
 */
export function unrecordedRuns(store: DedupeStore): Map<string, number> | undefined {
  return unrecorded.get(store);
}

/** Remembers a run of `id` whose start could not be recorded (see {@link unrecordedRuns}). */
export function rememberUnrecordedRun(store: DedupeStore, id: string): void {
  let runs = unrecorded.get(store);
  if (runs === undefined) {
    runs = new Map();
    unrecorded.set(store, runs);
  }
  runs.set(id, (runs.get(id) ?? 0) + 1);
  for (const oldest of runs.keys()) {
    if (runs.size <= UNRECORDED_RUNS) break;
    runs.delete(oldest);
  }
}

/** Ids now recorded done need no memory of runs the store missed. */
export function forgetUnrecordedRuns(store: DedupeStore, ids: readonly string[]): void {
  const runs = unrecorded.get(store);
  if (runs === undefined || runs.size === 0) return;
  for (const id of ids) runs.delete(id);
}
