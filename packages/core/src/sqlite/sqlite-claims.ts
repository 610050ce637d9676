import type {
  ClaimOptions,
  ClaimOutcome,
  CompleteOptions,
  CompleteResult,
  ReleaseOptions,
} from '../stores/dedupe-store.js';
import type {
  SqliteBatchOptions,
  SqliteRow,
  SqliteStatement,
  SqliteValue,
} from './sqlite-driver.js';
import { NOW, type SqliteTables } from './sqlite-schema.js';

/** How the store's parts run statements: retried while the database is busy, errors explained. */
export interface SqliteRunner {
  /** `args` as a function: given how long the call has waited on a busy database so far. */
  query(
    sql: string,
    args?: readonly SqliteValue[] | ((waitedMs: number) => readonly SqliteValue[]),
  ): Promise<readonly SqliteRow[]>;
  batch(
    statements: readonly SqliteStatement[],
    options?: SqliteBatchOptions,
  ): Promise<readonly (readonly SqliteRow[])[]>;
}

const json = (value: unknown) => JSON.stringify(value);

/**
 * The life of a claim on SQLite: claim, complete, release, renew, each one statement (or one
 * atomic batch) whatever the batch size. The database has one writer at a time, so a claim's
 * upsert and the read of what it found run in one `BEGIN IMMEDIATE` and nobody writes in
 * between. Owners fence as on the other stores: a call by another owner than the holder's
 * changes nothing.
 */
export function sqliteClaims(db: SqliteRunner, t: SqliteTables, retentionMs: number) {
  // attempts counts runs; a claim that counts its own run sets started.
  const claimSql = `INSERT INTO ${t.ids} AS w (id, state, lease_until, attempts, expires_at, owner, started, fingerprint)
SELECT id, 'claimed', ${NOW} + ?, counts, ${NOW} + ?, ?, counts, fp
FROM (SELECT a.value AS id, f.value AS fp, CASE WHEN a.key = 0 OR ? = 0 THEN 1 ELSE 0 END AS counts
  FROM json_each(?) a LEFT JOIN json_each(?) f ON f.key = a.key) WHERE true
ON CONFLICT (id) DO UPDATE SET
  state = 'claimed',
  lease_until = excluded.lease_until,
  attempts = CASE WHEN w.state = 'done' THEN 0 ELSE w.attempts END + excluded.attempts,
  started = excluded.started,
  owner = excluded.owner,
  fingerprint = excluded.fingerprint,
  expires_at = excluded.expires_at,
  done_at = NULL
WHERE (w.state = 'done' AND w.expires_at <= ${NOW})
   OR w.state = 'released'
   OR (w.state = 'claimed' AND w.lease_until <= ${NOW})
RETURNING id, attempts, started`;
  const foundSql = `SELECT id, (state = 'done' AND expires_at > ${NOW}) AS done, fingerprint
FROM ${t.ids} WHERE id IN (SELECT value FROM json_each(?))`;

  // An id whose run starts now is counted, once, if this owner still holds it.
  const markStartedSql = `UPDATE ${t.ids} SET started = 1, attempts = attempts + 1
WHERE id = ? AND state = 'claimed' AND started = 0 AND lease_until > ${NOW}
  AND (? IS NULL OR owner IS NULL OR owner = ?) AND id NOT IN (SELECT value FROM json_each(?))`;
  // Completions name the profile of the webhooks that have one (order-safe replay). A row
  // another owner holds is left as it is: it is not returned, so it is refused.
  const completeSql = `INSERT INTO ${t.ids} AS w (id, state, lease_until, attempts, expires_at, event, profile_id, done_at, owner)
SELECT a.value, 'done', NULL, 0, ${NOW} + ?, json_extract(p.value, '$.event'),
  json_extract(p.value, '$.profileId'),
  coalesce(CAST(json_extract(p.value, '$.processedAt') AS INTEGER), ${NOW}), ?
FROM json_each(?) a LEFT JOIN json_each(?) p ON json_extract(p.value, '$.id') = a.value WHERE true
ON CONFLICT (id) DO UPDATE SET state = 'done', lease_until = NULL, expires_at = excluded.expires_at,
  event = coalesce(excluded.event, w.event), profile_id = coalesce(excluded.profile_id, w.profile_id),
  done_at = excluded.done_at, owner = coalesce(excluded.owner, w.owner)
WHERE ? IS NULL OR w.owner IS NULL OR w.owner = ?
RETURNING id`;

  // failed: the handlers ran and failed (their run is counted if it was not); else they never
  // started (a run counted is taken back). A released claim is nobody's.
  const releaseSql = `UPDATE ${t.ids}
SET state = 'released', lease_until = NULL, owner = NULL, started = 0,
  attempts = attempts + CASE WHEN ? THEN CASE WHEN coalesce(started, 1) THEN 0 ELSE 1 END
                             ELSE CASE WHEN coalesce(started, 1) THEN -1 ELSE 0 END END
WHERE id IN (SELECT value FROM json_each(?)) AND state = 'claimed'
  AND (? IS NULL OR owner IS NULL OR owner = ?)`;

  // Live claims of this owner only. A renewal that waited for the database's write lock (a
  // ctx.transaction held it: no one could write, so no one could take the claim over) renews
  // a lease that ended while it waited, if its owner still holds it.
  const renewSql = `UPDATE ${t.ids} SET lease_until = ${NOW} + ?
WHERE id IN (SELECT value FROM json_each(?)) AND state = 'claimed' AND lease_until > ${NOW} - ?
  AND (? IS NULL OR owner IS NULL OR owner = ?)`;

  /**
   * Ids whose ctx.transaction committed (or found its effect committed) in this process and
   * that are not completed yet. Bounded; an id forgotten is completed the usual way.
   */
  const effectsCommitted = new Set<string>();

  const state = {
    /** The lease the receiver asks for, kept so a committed transaction renews it too. */
    leaseMs: 9_000,
    /** Called once an id's ctx.transaction has committed: its completion may be lazy. */
    effectCommitted(id: string): void {
      effectsCommitted.add(id);
      if (effectsCommitted.size > 4096) {
        effectsCommitted.delete(effectsCommitted.values().next().value as string);
      }
    },
    async claim(
      ids: readonly string[],
      { leaseMs, owner, starts, fingerprints = [] }: ClaimOptions,
    ): Promise<readonly ClaimOutcome[]> {
      if (ids.length === 0) return [];
      state.leaseMs = leaseMs;
      // Not durable (no fsync of its own, see SqliteBatchOptions): a claim acknowledges
      // nothing; whatever acknowledges the webhook later (its completion, its release, its
      // transaction's commit) is durable and syncs the WAL past the claim. A power loss that
      // takes a claim back leaves the id unclaimed, as a crash before the claim would have.
      const [claimed = [], found = []] = await db.batch(
        [
          {
            sql: claimSql,
            args: [
              leaseMs,
              retentionMs,
              owner ?? null,
              starts === 'first' ? 1 : 0,
              json(ids),
              json(fingerprints.slice(0, ids.length)),
            ],
          },
          { sql: foundSql, args: [json(ids)] },
        ],
        { durable: false },
      );
      const mine = new Map(claimed.map((row) => [row['id'] as string, row]));
      const seen = new Map(found.map((row) => [row['id'] as string, row]));
      return ids.map((id): ClaimOutcome => {
        const row = mine.get(id);
        if (row !== undefined) {
          const counted = Number(row['started']) === 1;
          return { status: 'claimed', attempt: Number(row['attempts']) + (counted ? 0 : 1) };
        }
        const other = seen.get(id);
        if (other === undefined || Number(other['done']) !== 1) return { status: 'busy' };
        return typeof other['fingerprint'] === 'string'
          ? { status: 'done', fingerprint: other['fingerprint'] }
          : { status: 'done' };
      });
    },
    async complete(ids: readonly string[], options: CompleteOptions = {}): Promise<CompleteResult> {
      const { owner = null, started, profiles = [] } = options;
      if (ids.length === 0 && started === undefined) return { refused: [] };
      const statements: SqliteStatement[] = [];
      if (started !== undefined) {
        statements.push({ sql: markStartedSql, args: [started, owner, owner, json(ids)] });
      }
      statements.push({
        sql: completeSql,
        args: [retentionMs, owner, json(ids), json(profiles), owner, owner],
      });
      // Lazy when every id's ctx.transaction committed here: the effect and its record are
      // durable already. If a power loss took this completion back, the id would be a claim
      // again, whose redelivery (once its lease ended) finds the effect recorded and does not
      // run it again: only work outside the transaction runs again, at-least-once anyway, as
      // on Postgres (completeLazySql).
      const lazy = ids.length > 0 && ids.every((id) => effectsCommitted.has(id));
      for (const id of ids) effectsCommitted.delete(id);
      const results = await db.batch(statements, lazy ? { durable: false } : undefined);
      const done = new Set((results.at(-1) ?? []).map((row) => row['id'] as string));
      return { refused: ids.filter((id) => !done.has(id)) };
    },
    async release(ids: readonly string[], { failed = false, owner }: ReleaseOptions = {}) {
      if (ids.length === 0) return;
      await db.query(releaseSql, [failed ? 1 : 0, json(ids), owner ?? null, owner ?? null]);
    },
    async renew(ids: readonly string[], { leaseMs, owner }: ClaimOptions) {
      if (ids.length === 0) return;
      state.leaseMs = leaseMs;
      await db.query(renewSql, (waited) => [
        leaseMs,
        json(ids),
        Math.floor(waited),
        owner ?? null,
        owner ?? null,
      ]);
    },
  };
  return state;
}
