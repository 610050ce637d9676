import type { Redis } from 'ioredis';
import { ConfigurationError } from '../errors/configuration-error.js';
import { resolveLogger } from '../observability/console-logger.js';
import type { Logger } from '../observability/logger.js';
import { type KnownOptions, refuseUnknownOptions } from '../options/refuse-unknown-options.js';
import { redisClientRisks, warnAboutClientSettings } from '../stores/client-settings.js';
import type {
  ClaimOutcome,
  DeadLetter,
  DedupeStore,
  ProcessedSince,
  ProcessedWebhook,
} from '../stores/dedupe-store.js';
import { DEFAULT_RETENTION_MS } from '../stores/dedupe-store.js';
import { type RedisScript, redisDedupeScripts as scripts } from './redis-dedupe-scripts.js';

/** The options it accepts: an unknown one is refused (see `refuseUnknownOptions`). */
const REDIS_STORE_OPTIONS = {
  client: true,
  prefix: true,
  retentionMs: true,
  logger: true,
} as const satisfies KnownOptions<RedisStoreOptions>;

/** Options of {@link redisStore}. */
export interface RedisStoreOptions {
  /** An ioredis client (or Cluster). It stays yours: `close()` does not quit it. */
  client: Redis;
  /**
   * Prefix of every key. Wrapped in a hash tag (`{prefix}`) so all keys share one cluster
   * slot and a batch stays one atomic script.
   * @default 'passfort-webhooks'
   */
  prefix?: string;
  /**
   * How long a completed id is remembered.
   * @default 7 days
   */
  retentionMs?: number;
  /**
   * Where the start-up warning about client settings that let a command outlive the request's
   * deadline goes (see the core README, "When the store misbehaves"); `false` for nowhere.
   * @default warnings to the console
   */
  logger?: Logger | false;
}

/**
 * A {@link DedupeStore} on Redis through ioredis, shared by every process that uses the
 * same Redis and prefix. A batch claim, complete or release is one script call: one round
 * trip whatever the batch size. Completed ids expire after the retention by Redis TTL.
 *
 * Durability is Redis's: without AOF (`appendonly yes`) a Redis restart forgets recent
 * completions, and a redelivery would run those webhooks again.
 *
 * For order-safe replay (`processedSince`), each completion that names a profile is also added
 * to that profile's sorted set, in the same script and scored by Redis's clock: its newest 64
 * completions, for the retention (a count beyond 64 is a lower bound). A dead-lettered id is
 * kept done (no TTL) for as long as its letter exists, then for the retention from its delete.
 *
 * @example
 * import Redis from 'ioredis';
 * import { redisStore } from '@passfort-webhooks/core/redis';
 * const store = redisStore({ client: new Redis(process.env.REDIS_URL) });
 */
export function redisStore(options: RedisStoreOptions): DedupeStore {
  refuseUnknownOptions('redisStore', options, REDIS_STORE_OPTIONS);
  if (typeof options?.client?.evalsha !== 'function') {
    throw new ConfigurationError(
      'redisStore needs an ioredis client: redisStore({ client: new Redis(url) })',
    );
  }
  const { client } = options;
  warnAboutClientSettings(
    'redisStore',
    client,
    redisClientRisks(client),
    resolveLogger(options.logger),
  );
  const retentionMs = options.retentionMs ?? DEFAULT_RETENTION_MS;
  if (!(retentionMs > 0)) throw new ConfigurationError('redisStore retentionMs must be positive');
  const prefix = `{${options.prefix ?? 'passfort-webhooks'}}`;
  const idKey = (id: string) => `${prefix}:id:${id}`;
  // Under the same hash tag as the ids, so a completion and its profiles stay one script.
  const profileKey = (profileId: string) => `${prefix}:profile:${profileId}`;
  const deadHash = `${prefix}:dead`;
  const deadOrder = `${prefix}:dead:order`;

  async function run(
    which: RedisScript,
    keys: readonly string[],
    args: readonly (string | number)[],
  ): Promise<unknown> {
    try {
      return await client.evalsha(which.sha, keys.length, ...keys, ...args);
    } catch (error) {
      if (!(error instanceof Error) || !error.message.includes('NOSCRIPT')) throw error;
      return client.eval(which.source, keys.length, ...keys, ...args);
    }
  }

  return {
    async claim(ids, { leaseMs, owner = '', starts, fingerprints = [] }) {
      if (ids.length === 0) return [];
      const flat = (await run(scripts.claim, ids.map(idKey), [
        leaseMs,
        retentionMs,
        owner,
        starts === 'first' ? '1' : '0',
        ...fingerprints,
      ])) as (number | string)[];
      const outcomes: ClaimOutcome[] = new Array(ids.length);
      for (let i = 0; i < ids.length; i++) {
        const code = flat[2 * i] as number;
        const fingerprint = flat[2 * i + 1] as string;
        outcomes[i] =
          code < 0
            ? fingerprint === ''
              ? { status: 'done' }
              : { status: 'done', fingerprint }
            : code === 0
              ? { status: 'busy' }
              : { status: 'claimed', attempt: code };
      }
      return outcomes;
    },
    async complete(ids, options = {}) {
      const { owner = '', started, profiles: completed = [] } = options;
      if (ids.length === 0 && started === undefined) return { refused: [] };
      const keys = ids.map(idKey);
      const args: (string | number)[] = [
        retentionMs,
        ids.length,
        owner,
        started === undefined ? '0' : '1',
      ];
      if (started !== undefined) keys.push(idKey(started));
      if (completed.length > 0) {
        const position = new Map(ids.map((id, i) => [id, i]));
        for (const { id, event, profileId, processedAt } of completed) {
          keys.push(profileKey(profileId));
          args.push(JSON.stringify([id, event]), processedAt ?? '', position.get(id) ?? -1);
        }
      }
      const refused = (await run(scripts.complete, keys, args)) as number[];
      return { refused: refused.map((i) => ids[i]!) };
    },
    async processedSince(profileId, since, { limit = 20, excluding } = {}) {
      const flat = (await run(
        scripts.processedSince,
        [profileKey(profileId)],
        [Math.floor(since), retentionMs],
      )) as string[];
      return processedSinceFrom(flat, limit, excluding);
    },
    async release(ids, { failed = false, owner = '' } = {}) {
      if (ids.length > 0) await run(scripts.release, ids.map(idKey), [failed ? '1' : '0', owner]);
    },
    async renew(ids, { leaseMs, owner = '' }) {
      if (ids.length > 0) await run(scripts.renew, ids.map(idKey), [leaseMs, owner]);
    },
    async addDeadLetter(letter) {
      await run(
        scripts.deadLetter,
        [idKey(letter.id), deadHash, deadOrder],
        [letter.id, JSON.stringify(letter), letter.failedAt],
      );
    },
    async listDeadLetters({ limit = 100 } = {}) {
      const rows = (await run(scripts.list, [deadHash, deadOrder], [limit])) as (string | null)[];
      return rows
        .filter((row): row is string => row !== null)
        .map((row) => JSON.parse(row) as DeadLetter);
    },
    async getDeadLetter(id) {
      const row = await client.hget(deadHash, id);
      return row === null ? undefined : (JSON.parse(row) as DeadLetter);
    },
    async deleteDeadLetter(id) {
      const deleted = await run(
        scripts.delete,
        [deadHash, deadOrder, idKey(id)],
        [id, retentionMs],
      );
      return (deleted as number) > 0;
    },
    countDeadLetters: () => client.hlen(deadHash),
  };
}

/**
 * `processedSince`'s answer from ZRANGEBYSCORE … WITHSCORES (member, score, member, score …,
 * oldest first, at most 64): the excluded id left out, the oldest `limit` listed.
 */
function processedSinceFrom(
  flat: readonly string[],
  limit: number,
  excluding: string | undefined,
): ProcessedSince {
  let count = 0;
  const webhooks: ProcessedWebhook[] = [];
  for (let i = 0; i < flat.length; i += 2) {
    const [id, event] = JSON.parse(flat[i]!) as [string, string];
    if (id === excluding) continue;
    count++;
    if (webhooks.length < limit) {
      webhooks.push({ id, event, processedAt: Math.floor(Number(flat[i + 1])) });
    }
  }
  return { count, webhooks };
}
