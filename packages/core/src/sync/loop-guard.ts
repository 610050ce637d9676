import { ConfigurationError } from '../errors/configuration-error.js';
import { type KnownOptions, refuseUnknownOptions } from '../options/refuse-unknown-options.js';
import { canonicalCollectedData } from './canonical-collected-data.js';
import {
  type CompiledDiffOptions,
  compileDiffOptions,
  type DiffOptions,
} from './compile-diff-options.js';
import type { LoopGuardStore } from './loop-guard-store.js';
import { memoryLoopGuardStore } from './memory-loop-guard-store.js';

/** The options it accepts: an unknown one is refused (see `refuseUnknownOptions`). */
const LOOP_GUARD_OPTIONS = {
  store: true,
  ttlMs: true,
  pendingTtlMs: true,
  ignore: true,
  normalize: true,
} as const satisfies KnownOptions<LoopGuardOptions>;

/** Options of {@link createLoopGuard}. */
export interface LoopGuardOptions extends DiffOptions {
  /** @default memoryLoopGuardStore() */
  store?: LoopGuardStore;
  /**
   * How long a write Passfort accepted waits for its echo. A webhook for it that arrives
   * later is not marked as an echo; applying it to your own data (`mergeCollectedData`, or
   * `ctx.diffAgainst`) still finds nothing to do.
   * @default 86_400_000 (a day)
   */
  ttlMs?: number;
  /**
   * How long a write still waiting for Passfort's answer is held, for when the process
   * stops before the answer arrives; the client passes its own, longer than its deadline.
   * @default 120_000 (two minutes)
   */
  pendingTtlMs?: number;
}

/** The collected-data webhook fields the loop guard looks at. */
export interface CollectedDataWebhookData {
  readonly profile_id: string;
  readonly new_data: unknown;
  readonly user?: unknown;
}

/** Options of {@link LoopGuard.isEcho}. */
export interface IsEchoOptions {
  /**
   * The webhook's id: asked again for the same id (Passfort redelivering it after a failed
   * answer), the guard answers the same, without using up another write.
   */
  readonly webhookId?: string;
}

/** A write sent to Passfort whose answer has not arrived yet (see {@link LoopGuard.beginWrite}). */
export interface PendingWrite {
  /** Passfort accepted it (200, or a later read showed it landed); `stored` is what it stored. */
  landed(stored?: unknown): Promise<void>;
  /** It never landed (412): its data is no echo of ours. */
  failed(): Promise<void>;
}

/**
 * Breaks the webhook → write → webhook loop: remembers what Passfort accepted from our own
 * API writes, and recognises the collected-data webhook Passfort fires for each of them,
 * once.
 */
export interface LoopGuard {
  /**
   * Records collected_data Passfort accepted from us for a profile (a 200's body, or data a
   * later read proved landed). Its first matching webhook is an echo, and only that one.
   */
  rememberWrite(profileId: string, data: unknown): Promise<void>;
  /**
   * Records a write about to be sent, before its answer can arrive (Passfort may fire the
   * webhook first); settle it with `landed` or `failed`. The client calls it for every
   * attempt. Unsettled, it is forgotten after `pendingTtlMs`.
   */
  beginWrite(
    profileId: string,
    data: unknown,
    options?: { pendingTtlMs?: number },
  ): Promise<PendingWrite>;
  /**
   * True when the webhook is the echo of our own write: made through the API (`user` is
   * null or absent), and its `new_data` equals, under the diff's rules, a write of ours that
   * landed (or is still awaiting its answer) and whose echo has not been seen yet. It uses
   * that write up. A change made by a person (`user` is an object) is never an echo.
   */
  isEcho(data: CollectedDataWebhookData, options?: IsEchoOptions): Promise<boolean>;
  /** The diff rules it compares with, for `ctx.changes` and `ctx.diffAgainst`. */
  readonly diffOptions: CompiledDiffOptions;
}

async function fingerprint(text: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((byte) => byte.toString(16).padStart(2, '0')).join('');
}

/**
 * Creates a {@link LoopGuard}. Give the same guard to the receiver (`loopGuard` option) and
 * to the API client (`createPassfortClient({ loopGuard })`); with several processes, give it
 * a shared store (`redisLoopGuardStore`, `postgresLoopGuardStore`).
 *
 * What it remembers is what Passfort accepted, never a mere attempt: the client records each
 * attempt as pending, confirms it on a 200 (with what Passfort stored) or when a read shows
 * it landed after a lost answer, and forgets it on a 412. So a burst of concurrent writers
 * leaves exactly one entry per write that landed, and each is used up by its echo.
 *
 * @example
 * const loopGuard = createLoopGuard();
 * const webhooks = createPassfortWebhooks({ secret, loopGuard });
 * const passfort = createPassfortClient({ apiKey, loopGuard });
 */
export function createLoopGuard(options: LoopGuardOptions = {}): LoopGuard {
  refuseUnknownOptions('createLoopGuard', options, LOOP_GUARD_OPTIONS);
  const store = options.store ?? memoryLoopGuardStore();
  const ttlMs = options.ttlMs ?? 86_400_000;
  if (!(ttlMs > 0)) throw new ConfigurationError('createLoopGuard ttlMs must be positive');
  const pendingTtlMs = options.pendingTtlMs ?? 120_000;
  if (!(pendingTtlMs > 0)) {
    throw new ConfigurationError('createLoopGuard pendingTtlMs must be positive');
  }
  const diffOptions = compileDiffOptions(options);
  const fingerprintOf = (data: unknown) => fingerprint(canonicalCollectedData(data, diffOptions));
  return {
    diffOptions,
    async rememberWrite(profileId, data) {
      await store.remember(profileId, crypto.randomUUID(), await fingerprintOf(data), ttlMs);
    },
    async beginWrite(profileId, data, { pendingTtlMs: pending = pendingTtlMs } = {}) {
      const writeId = crypto.randomUUID();
      const sent = await fingerprintOf(data);
      await store.remember(profileId, writeId, sent, pending);
      return {
        async landed(stored = data) {
          await store.confirm(profileId, writeId, await fingerprintOf(stored), ttlMs);
        },
        async failed() {
          await store.forget(profileId, writeId);
        },
      };
    },
    async isEcho({ profile_id, new_data, user }, { webhookId } = {}) {
      if (user !== null && user !== undefined) return false;
      return store.take(profile_id, await fingerprintOf(new_data), webhookId);
    },
  };
}
