import type { ClaimOutcome, DedupeStore } from './dedupe-store.js';
import { ConfigurationError } from './errors.js';

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
  /** The clock, for tests. @default Date.now */
  now?: () => number;
}

interface Claim {
  leaseUntil: number;
  attempts: number;
}

/**
 * The default {@link DedupeStore}: in this process's memory, bounded in size and time.
 * It is lost on restart and not shared between processes; use the Redis or Postgres
 * store when either matters.
 *
 * @example
 * const webhooks = createPassfortWebhooks({ secret, store: memoryStore({ maxEntries: 100_000 }) });
 */
export function memoryStore(options: MemoryStoreOptions = {}): DedupeStore {
  const maxEntries = options.maxEntries ?? 1_000_000;
  const retentionMs = options.retentionMs ?? 7 * 24 * 60 * 60 * 1000;
  const now = options.now ?? Date.now;
  if (!Number.isInteger(maxEntries) || maxEntries < 1) {
    throw new ConfigurationError('memoryStore maxEntries must be a positive integer');
  }
  if (!(retentionMs > 0)) throw new ConfigurationError('memoryStore retentionMs must be positive');

  // Insertion order is completion order, so the oldest entries sit at the front of the map.
  const done = new Map<string, number>();
  const claims = new Map<string, Claim>();

  function forgetExpired(at: number): void {
    for (const [id, expiresAt] of done) {
      if (expiresAt > at && done.size <= maxEntries) break;
      done.delete(id);
    }
    if (claims.size > maxEntries) {
      // Claims of ids never completed nor redelivered; forget the oldest.
      for (const id of claims.keys()) {
        claims.delete(id);
        if (claims.size <= maxEntries) break;
      }
    }
  }

  return {
    claim(ids, { leaseMs }) {
      const at = now();
      return ids.map((id): ClaimOutcome => {
        const expiresAt = done.get(id);
        if (expiresAt !== undefined) {
          if (expiresAt > at) return { status: 'done' };
          done.delete(id);
        }
        const claim = claims.get(id);
        if (claim !== undefined && claim.leaseUntil > at) return { status: 'busy' };
        const attempts = (claim?.attempts ?? 0) + 1;
        claims.delete(id);
        claims.set(id, { leaseUntil: at + leaseMs, attempts });
        return { status: 'claimed', attempt: attempts };
      });
    },
    complete(ids) {
      const at = now();
      for (const id of ids) {
        claims.delete(id);
        done.delete(id);
        done.set(id, at + retentionMs);
      }
      forgetExpired(at);
    },
    release(ids) {
      for (const id of ids) {
        const claim = claims.get(id);
        if (claim !== undefined) claim.leaseUntil = 0;
      }
    },
  };
}
