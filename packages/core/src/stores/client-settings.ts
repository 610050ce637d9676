import type { Logger } from '../observability/logger.js';

/**
 * Start-up checks of the Redis and Postgres clients an app hands to a store.
 *
 * Every store call a request makes is cut at the request's deadline, so the receiver answers
 * Passfort in time whatever the client does. But a call the deadline cut is not cancelled: with
 * client defaults it goes on holding a connection (ioredis queues commands while disconnected
 * and waits for ever on a frozen server; pg waits for ever for a connection and a query). These
 * checks name the settings that let that happen, once per client, at start-up, so the operator
 * reads it before the first outage rather than during it.
 */

// The longest deadline a request can have (Passfort waits 10 s for an unbatched webhook).
const LONGEST_DEADLINE_MS = 10_000;

const warned = new WeakSet<object>();

/** What the check reads of an ioredis client (or Cluster): its options, nothing else. */
interface IoredisLike {
  options?: {
    commandTimeout?: number;
    enableOfflineQueue?: boolean;
    maxRetriesPerRequest?: number | null;
    redisOptions?: { commandTimeout?: number };
  };
  isCluster?: boolean;
}

/** What the check reads of a pg Pool: the options it was made with. */
interface PgPoolLike {
  options?: {
    connectionTimeoutMillis?: number;
    query_timeout?: number;
    statement_timeout?: number | false;
  };
}

/** The settings of an ioredis client that let one call outlive the request's deadline. */
export function redisClientRisks(client: unknown): string[] {
  const options = (client as IoredisLike)?.options;
  if (!options || typeof options !== 'object') return [];
  const risks: string[] = [];
  const timeout = options.commandTimeout ?? options.redisOptions?.commandTimeout;
  if (!(typeof timeout === 'number' && timeout > 0 && timeout <= LONGEST_DEADLINE_MS)) {
    risks.push(
      timeout === undefined
        ? 'commandTimeout is unset, so a command to a frozen Redis waits until it resumes'
        : `commandTimeout ${timeout} ms is longer than the longest deadline (${LONGEST_DEADLINE_MS} ms)`,
    );
  }
  const retries = options.maxRetriesPerRequest === undefined ? 20 : options.maxRetriesPerRequest;
  if (options.enableOfflineQueue !== false && (retries === null || retries > 1)) {
    risks.push(
      `enableOfflineQueue is on with maxRetriesPerRequest ${retries ?? 'null'}, so while Redis is down a command waits through ${retries ?? 'unlimited'} reconnections`,
    );
  }
  return risks;
}

/** The settings of a pg Pool that let one call outlive the request's deadline. */
export function postgresPoolRisks(pool: unknown): string[] {
  const options = (pool as PgPoolLike)?.options;
  if (!options || typeof options !== 'object') return [];
  const risks: string[] = [];
  if (!(options.connectionTimeoutMillis && options.connectionTimeoutMillis > 0)) {
    risks.push('connectionTimeoutMillis is unset, so waiting for a connection never gives up');
  }
  if (!(options.query_timeout && options.query_timeout > 0) && !options.statement_timeout) {
    risks.push('neither query_timeout nor statement_timeout is set, so a query can wait for ever');
  }
  return risks;
}

/**
 * Logs, once per client, the settings that let a store call outlive the request's deadline.
 * Silent for clients it cannot read (a custom `Queryable`, a mock), and for clients whose
 * settings fail fast (the README's recommended settings).
 */
export function warnAboutClientSettings(
  store: string,
  client: unknown,
  risks: string[],
  logger: Logger,
): void {
  if (risks.length === 0 || typeof client !== 'object' || client === null) return;
  if (warned.has(client)) return;
  warned.add(client);
  logger.warn?.(
    { store, settings: risks },
    `${store}: the client's settings let a call outlive the request's deadline (${risks.join('; ')}). ` +
      'Answers still reach Passfort in time, but a cut call keeps its connection busy; ' +
      "see 'When the store misbehaves' in the core README for settings that fail fast",
  );
}
