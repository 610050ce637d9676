import { ConfigurationError } from '../errors/configuration-error.js';
import { canonicalCollectedData } from './canonical-collected-data.js';
import {
  type CompiledDiffOptions,
  compileDiffOptions,
  type DiffOptions,
} from './diff-collected-data.js';
import type { LoopGuardStore } from './loop-guard-store.js';
import { memoryLoopGuardStore } from './memory-loop-guard-store.js';

/** Options of {@link createLoopGuard}. */
export interface LoopGuardOptions extends DiffOptions {
  /** @default memoryLoopGuardStore() */
  store?: LoopGuardStore;
  /**
   * How long a write is remembered. A webhook for it that arrives later is not marked as an
   * echo; comparing it with your own data (`ctx.diffAgainst`) still finds nothing to do.
   * @default 86_400_000 (a day)
   */
  ttlMs?: number;
}

/** The collected-data webhook fields the loop guard looks at. */
export interface CollectedDataWebhookData {
  readonly profile_id: string;
  readonly new_data: unknown;
  readonly user?: unknown;
}

/**
 * Breaks the webhook → write → webhook loop: remembers what our own API writes sent, and
 * recognises the collected-data webhook Passfort fires for them.
 */
export interface LoopGuard {
  /** Records collected_data we are about to POST for a profile (the client calls it). */
  rememberWrite(profileId: string, data: unknown): Promise<void>;
  /**
   * True when the webhook is the echo of our own write: made through the API (`user` is
   * null or absent) and its `new_data` equals, under the diff's rules, data we wrote. A
   * change made by a person (`user` is an object) is never an echo.
   */
  isEcho(data: CollectedDataWebhookData): Promise<boolean>;
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
 * @example
 * const loopGuard = createLoopGuard();
 * const webhooks = createPassfortWebhooks({ secret, loopGuard });
 * const passfort = createPassfortClient({ apiKey, loopGuard });
 */
export function createLoopGuard(options: LoopGuardOptions = {}): LoopGuard {
  const store = options.store ?? memoryLoopGuardStore();
  const ttlMs = options.ttlMs ?? 86_400_000;
  if (!(ttlMs > 0)) throw new ConfigurationError('createLoopGuard ttlMs must be positive');
  const diffOptions = compileDiffOptions(options);
  const fingerprintOf = (data: unknown) => fingerprint(canonicalCollectedData(data, diffOptions));
  return {
    diffOptions,
    async rememberWrite(profileId, data) {
      await store.remember(profileId, await fingerprintOf(data), ttlMs);
    },
    async isEcho({ profile_id, new_data, user }) {
      if (user !== null && user !== undefined) return false;
      return store.isRemembered(profile_id, await fingerprintOf(new_data));
    },
  };
}
