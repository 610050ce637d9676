import { StoreUnavailableError } from '../errors/store-unavailable-error.js';

/**
 * SQLITE_BUSY / SQLITE_LOCKED, however the driver reports it: another connection (of this or
 * another process) holds the database's write lock. Transient: the statement did nothing.
 */
export function isBusyError(error: unknown): boolean {
  const code = String((error as { code?: unknown } | null)?.code ?? '');
  const text = error instanceof Error ? error.message : String(error);
  return (
    /SQLITE_(BUSY|LOCKED)/.test(code) ||
    /SQLITE_(BUSY|LOCKED)|database is locked|database table is locked/i.test(text)
  );
}

/**
 * Runs `work` again while the database is busy, for up to `busyTimeoutMs`, then fails with
 * a {@link StoreUnavailableError} (503: Passfort redelivers, and the store's deadline guard
 * answers before that anyway). The wait is a timer between tries, never SQLite's own
 * busy_timeout: that one sleeps inside the driver's synchronous call, stopping the event
 * loop, and deadlocks for its whole length against a transaction of this same process.
 * `waited` tells the work how long it has been waiting (a renewal uses it, see the store).
 */
export async function retryWhileBusy<T>(
  busyTimeoutMs: number,
  work: (waitedMs: number) => Promise<T>,
): Promise<T> {
  const started = performance.now();
  let pause = 1;
  for (;;) {
    try {
      return await work(performance.now() - started);
    } catch (error) {
      if (!isBusyError(error)) throw error;
      const waited = performance.now() - started;
      if (waited >= busyTimeoutMs) {
        throw new StoreUnavailableError(
          `The SQLite database stayed locked by another connection for ${Math.round(waited)} ms (busyTimeoutMs ${busyTimeoutMs}): a long ctx.transaction or another process's write holds it`,
          { cause: error },
        );
      }
      // Jittered, so that processes waiting on one lock do not retry in step.
      await new Promise((resolve) => setTimeout(resolve, pause * (0.5 + Math.random())));
      pause = Math.min(pause * 2, 25);
    }
  }
}
