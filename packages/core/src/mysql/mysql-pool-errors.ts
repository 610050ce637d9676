import { describeError, type Logger } from '../observability/logger.js';
import type { MysqlPool } from './mysql-pool.js';

/**
 * mysql2 emits a connection's failure (the server restarted, a connection killed) as an
 * `error` event on that connection; a pool's idle connections are removed from it, but an
 * emitter with no listener ends the process. Unless the app listens itself, the store does
 * on every connection the pool opens, and logs it.
 */
export function surviveConnectionErrors(pool: MysqlPool, logger: Logger): void {
  const emitter = (pool as unknown as { pool?: unknown }).pool ?? pool;
  const events = emitter as {
    on?(event: string, listener: (connection: unknown) => void): unknown;
  };
  if (typeof events.on !== 'function') return;
  events.on('connection', (connection) => {
    const each = connection as {
      on?(event: 'error', listener: (error: unknown) => void): unknown;
      listenerCount?(event: string): number;
    };
    if (typeof each.on !== 'function') return;
    each.on('error', (error) => {
      logger.warn?.(
        { error: describeError(error) },
        'a MySQL pool connection failed; the pool opens a new one for the next query',
      );
    });
  });
}
