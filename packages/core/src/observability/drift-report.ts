/**
 * What Passfort sent that this version does not know yet. Passfort grows its enums and
 * payloads between API versions (statuses, check types and badges have all grown); the
 * receiver accepts what it does not know, by design, and this report is how an operator
 * learns that it arrived. Values are never kept: only event names, key paths, and the
 * unknown enum value itself (which is a label, not customer data). Memory is bounded by a
 * cap on distinct entries; what arrives past it is counted in `more`.
 */
import type { Logger } from './logger.js';

/** What kind of thing this version does not know. */
export type DriftKind =
  /** An event name Passfort does not document (yet). */
  | 'unknown-event'
  /** A key outside the event's documented payload schema. */
  | 'unknown-key'
  /** A value of a documented enum outside its documented values. */
  | 'unknown-enum-value';

/** One thing seen that this version does not know, with when and how often. */
export interface DriftEntry {
  readonly event: string;
  readonly kind: DriftKind;
  /**
   * Where in the webhook, e.g. `data.check.flags` or `data.actions[].applications[].status`
   * (array positions are written `[]`); absent for an unknown event.
   */
  readonly path?: string;
  /** The enum value, for `unknown-enum-value` only (at most 64 characters). */
  readonly value?: string;
  readonly count: number;
  readonly firstSeen: Date;
  readonly lastSeen: Date;
}

/** `status().drift`: the entries, newest first seen first, and how many did not fit. */
export interface DriftReport {
  readonly entries: readonly DriftEntry[];
  /** Distinct entries seen after the cap was reached (not kept). */
  readonly more: number;
}

/** One observation, before it is counted: what the inspector found in one webhook. */
export interface DriftObservation {
  readonly event: string;
  readonly kind: DriftKind;
  readonly path?: string;
  readonly value?: string;
}

/** Longest event name or enum value kept: enough for any label, not for smuggled data. */
export const DRIFT_VALUE_MAX = 64;
/**
 * Keys remembered past the cap, so that `more` counts distinct entries rather than arrivals;
 * past this many, each arrival of an unremembered one counts (bounded memory first).
 */
const OVERFLOW_TRACKED = 2_000;
/** Distinct entries kept by default. */
export const DEFAULT_DRIFT_ENTRIES = 200;

interface MutableEntry {
  readonly event: string;
  readonly kind: DriftKind;
  readonly path?: string;
  readonly value?: string;
  count: number;
  readonly firstSeen: number;
  lastSeen: number;
}

/** Counts drift observations; warns once per new entry. */
export class DriftTracker {
  readonly #entries = new Map<string, MutableEntry>();
  /** The entry of an observation object seen before: the inspector reuses its objects. */
  readonly #byObservation = new WeakMap<DriftObservation, MutableEntry>();
  /** Keys of entries refused at the cap, so `more` counts distinct ones (bounded as well). */
  readonly #overflow = new Set<string>();
  #more = 0;

  constructor(
    readonly maxEntries: number,
    private readonly logger: Logger,
    /** Hears every observation, new or not (the drift metric counts each sighting). */
    private readonly onObserved?: (observation: DriftObservation) => void,
  ) {}

  record(observation: DriftObservation, now = Date.now()): void {
    this.onObserved?.(observation);
    const again = this.#byObservation.get(observation);
    if (again !== undefined) {
      again.count++;
      again.lastSeen = now;
      return;
    }
    const key = `${observation.kind}\u0000${observation.event}\u0000${observation.path ?? ''}\u0000${observation.value ?? ''}`;
    const known = this.#entries.get(key);
    if (known !== undefined) {
      this.#byObservation.set(observation, known);
      known.count++;
      known.lastSeen = now;
      return;
    }
    if (this.#entries.size >= this.maxEntries) {
      if (!this.#overflow.has(key)) {
        this.#more++;
        if (this.#overflow.size < OVERFLOW_TRACKED) this.#overflow.add(key);
      }
      return;
    }
    const entry = { ...observation, count: 1, firstSeen: now, lastSeen: now };
    this.#entries.set(key, entry);
    this.#byObservation.set(observation, entry);
    this.logger.warn?.(
      {
        event: observation.event,
        kind: observation.kind,
        ...(observation.path === undefined ? {} : { path: observation.path }),
        ...(observation.value === undefined ? {} : { value: observation.value }),
      },
      'Passfort sent something this version does not know yet (accepted; see status().drift)',
    );
  }

  report(): DriftReport {
    const entries: DriftEntry[] = [];
    for (const entry of this.#entries.values()) {
      entries.push({
        event: entry.event,
        kind: entry.kind,
        ...(entry.path === undefined ? {} : { path: entry.path }),
        ...(entry.value === undefined ? {} : { value: entry.value }),
        count: entry.count,
        firstSeen: new Date(entry.firstSeen),
        lastSeen: new Date(entry.lastSeen),
      });
    }
    entries.sort((a, b) => b.firstSeen.getTime() - a.firstSeen.getTime());
    return { entries, more: this.#more };
  }
}
