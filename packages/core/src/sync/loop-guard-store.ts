import type { Awaitable } from '../stores/dedupe-store.js';

/**
 * Where a loop guard remembers our own writes, per profile: each write is one entry (its
 * `writeId`, the fingerprint of the data, an expiry) that one echo can use up. Every
 * implementation holds the same rules, which the public kit
 * (`loopGuardStoreConformanceCases` in `@passfort-webhooks/testing/conformance`) checks:
 *
 * - an entry is kept until its ttl, however many other writes of the profile come after it,
 *   up to a documented cap per profile (a burst of writes never pushes out the ones whose
 *   echoes have not arrived yet);
 * - `take` uses an entry up: one write, one echo; two writes of the same data, two echoes;
 * - `forget` removes an attempt that never landed, and `confirm` never brings back an
 *   entry that was used up, forgotten or expired.
 */
export interface LoopGuardStore {
  /**
   * Remembers one write of data with this fingerprint under `writeId` (unique per write)
   * for `ttlMs`. Remembering a `writeId` again replaces its entry.
   */
  remember(profileId: string, writeId: string, fingerprint: string, ttlMs: number): Awaitable<void>;
  /**
   * Sets the fingerprint and a new ttl of a write that is still remembered and not used up
   * (the client calls it once Passfort accepted the write, with what Passfort stored). Does
   * nothing for a write that was used up, forgotten or has expired.
   */
  confirm(profileId: string, writeId: string, fingerprint: string, ttlMs: number): Awaitable<void>;
  /** Forgets a write: its attempt never landed (Passfort answered 412). */
  forget(profileId: string, writeId: string): Awaitable<void>;
  /**
   * Uses up one unexpired, unused write of the profile with this fingerprint, and resolves
   * true; false when there is none. With `webhookId`, the write is marked used by that
   * webhook, and a later call with the same `webhookId` resolves true again (Passfort
   * redelivering the same webhook) without using up another write. Atomic: concurrent calls
   * never use up the same write twice.
   */
  take(profileId: string, fingerprint: string, webhookId?: string): Awaitable<boolean>;
  close?(): Awaitable<void>;
}
