import { describeError, type Logger } from '../observability/logger.js';
import type { Queryable } from './postgres-pool.js';

/**
 * A pg Pool emits `error` when an idle connection drops (Postgres restarted, a failover): with
 * no listener, Node ends the process. Unless the app listens itself, the store does, and logs
 * it; the pool opens new connections for the next queries, which fail (503) until the server
 * is back.
 */
export function survivePoolErrors(pool: Queryable, logger: Logger): void {
  const emitter = pool as unknown as {
    on?(event: 'error', listener: (error: unknown) => void): unknown;
    listenerCount?(event: string): number;
  };
  if (typeof emitter.on !== 'function' || (emitter.listenerCount?.('error') ?? 0) > 0) return;
  emitter.on('error', (error) => {
    logger.warn?.(
      { error: describeError(error) },
      'an idle Postgres connection failed; the pool reconnects on the next query',
    );
  });
}
