import type { ClaimOutcome, CompleteOptions, DedupeStore } from '../stores/dedupe-store.js';
import { idText, type MysqlQuery } from './mysql-query.js';
import { PROFILE_ID_CHARS } from './mysql-schema.js';
import type { MysqlStatements } from './mysql-statements.js';

/** The claim → complete / release life of an id, and its lease. */
export type MysqlClaims = Required<Pick<DedupeStore, 'claim' | 'complete' | 'release' | 'renew'>>;

/** What {@link mysqlClaims} runs on. */
export interface MysqlClaimParts {
  readonly query: MysqlQuery;
  readonly sql: MysqlStatements;
  /** How long a completed id is remembered, in microseconds. */
  readonly retentionUs: number;
  /** Waited for before the first claim: the tables must be able to roll back. */
  readonly enginesSafe: () => Promise<void>;
}

/**
 * A store's claims. A batch claim is one `INSERT … ON DUPLICATE KEY UPDATE` plus one read,
 * whatever the batch size (on MariaDB the read comes back with the insert); row locks make exactly one concurrent claimer win each id,
 * recognised by a token unique to its claim.
 */
export function mysqlClaims({
  query,
  sql,
  retentionUs,
  enginesSafe,
}: MysqlClaimParts): MysqlClaims {
  /**
   * Marks `ids` done, except those another owner holds; returns those. One statement: a row
   * another owner holds is left unchanged by every assignment (each asks about the old
   * owner, which is assigned last), so the server's counts tell whether any was refused
   * (see {@link unchangedRows}), and only then a read says which. Completions name the profile
   * of the webhooks that have one, so that a replayed dead letter can learn which newer
   * webhooks for its profile were processed after it.
   */
  async function completeIds(ids: readonly string[], options: CompleteOptions): Promise<string[]> {
    const owner = options.owner ?? null;
    const profiles = new Map((options.profiles ?? []).map((each) => [each.id, each]));
    const sorted = [...ids].sort();
    const values: unknown[] = [];
    for (const id of sorted) {
      const profile = profiles.get(id);
      // A profile id too long for its column is not recorded (only order-safe replay misses
      // it), rather than failing the completion, and every redelivery of the batch with it.
      const recorded =
        profile !== undefined && profile.profileId.length <= PROFILE_ID_CHARS ? profile : undefined;
      values.push(
        id,
        retentionUs,
        recorded?.event ?? null,
        recorded?.profileId ?? null,
        recorded?.processedAt ?? null,
        owner,
      );
    }
    const written = await query(sql.complete(sorted.length), values);
    if (owner === null || unchangedRows(written, sorted.length) === 0) return [];
    const rows = await query<{ id: unknown }>(sql.heldByOthers, [ids, owner]);
    return rows.map((row) => idText(row.id));
  }

  /**
   * Whether the server answers the claim's insert with its rows (MariaDB: RETURNING), asked
   * once: one round trip a claim instead of two, the insert and its read.
   */
  let returning: Promise<boolean> | undefined;
  function answersWithRows(): Promise<boolean> {
    returning ??= query<{ version: unknown }>('SELECT VERSION() AS version').then(
      ([row]) => /mariadb/i.test(String(row?.version)),
      (error: unknown) => {
        returning = undefined; // asked again by the next claim
        throw error;
      },
    );
    return returning;
  }

  /** Claims the rows of `values` (in id order) under `token`; their state after it, by id. */
  async function claimRows(
    count: number,
    values: unknown[],
    token: string,
    ids: readonly string[],
  ): Promise<ClaimedRow[]> {
    if (await answersWithRows()) {
      try {
        return await query<ClaimedRow>(sql.claimReturning(count), [...values, token]);
      } catch (error) {
        // A server that says MariaDB but refuses RETURNING (before 10.5, or a proxy's parser):
        // the statement was not run, and the store claims in two steps from now on.
        if ((error as { errno?: unknown } | null)?.errno !== ER_PARSE_ERROR) throw error;
        returning = Promise.resolve(false);
      }
    }
    await query(sql.claim(count), values);
    return query<ClaimedRow>(sql.claimed, [token, ids]);
  }

  return {
    async claim(ids, { leaseMs, owner, starts, fingerprints }) {
      if (ids.length === 0) return [];
      await enginesSafe();
      const token = globalThis.crypto.randomUUID();
      const first = ids[0];
      // Rows are locked in id order, so two claimers of overlapping batches cannot deadlock.
      const order = ids.map((_, i) => i).sort((a, b) => (ids[a]! < ids[b]! ? -1 : 1));
      const values: unknown[] = [];
      for (const i of order) {
        // 1 when this claim's run starts now, and counts: every id, or the first only.
        const started = starts !== 'first' || ids[i] === first ? 1 : 0;
        values.push(
          ids[i],
          leaseMs * 1000,
          started,
          retentionUs,
          token,
          owner ?? null,
          started,
          fingerprints?.[i] ?? null,
        );
      }
      const rows = await claimRows(order.length, values, token, ids);
      const byId = new Map(rows.map((row) => [idText(row.id), row]));
      return ids.map((id): ClaimOutcome => {
        const row = byId.get(id);
        if (row !== undefined && Number(row.mine) === 1) {
          const counted = Number(row.started) === 1;
          return { status: 'claimed', attempt: Number(row.attempts) + (counted ? 0 : 1) };
        }
        if (row === undefined || Number(row.done) !== 1) return { status: 'busy' };
        return typeof row.fingerprint === 'string'
          ? { status: 'done', fingerprint: row.fingerprint }
          : { status: 'done' };
      });
    },
    async complete(ids, options = {}) {
      const { owner, started } = options;
      // The start of the next webhook's run, on a connection of its own: its row is not
      // among `ids`, so the two statements neither wait for nor deadlock with each other.
      const marked =
        started === undefined
          ? undefined
          : query(sql.markStarted, [started, owner ?? null, owner ?? null]);
      const refused = ids.length === 0 ? [] : await completeIds(ids, options);
      await marked;
      return { refused };
    },
    async release(ids, { failed = false, owner } = {}) {
      if (ids.length === 0) return;
      // failed: the handlers ran, their run is counted if it was not; else they never started,
      // and a run counted is taken back. A released claim is nobody's.
      await query(sql.release, [failed ? 1 : 0, ids, owner ?? null, owner ?? null]);
    },
    async renew(ids, { leaseMs, owner }) {
      if (ids.length === 0) return;
      // Live claims of this owner only: an ended lease may already be someone else's to take.
      await query(sql.renew, [leaseMs * 1000, ids, owner ?? null, owner ?? null]);
    },
  };
}

/** A claimed id's row as the claim left it. */
interface ClaimedRow {
  id: unknown;
  attempts: number;
  started: unknown;
  mine: number;
  done: number;
  fingerprint: unknown;
}

const ER_PARSE_ERROR = 1064;

/**
 * How many rows of a multi-row `INSERT … ON DUPLICATE KEY UPDATE` of `count` rows were left
 * unchanged, from the server's counts ("Records: n  Duplicates: d", affected rows): an inserted
 * row counts 1, an updated one 2, an unchanged one 1 with the FOUND_ROWS flag (mysql2's
 * default) and 0 without; without it the answer is twice the true one, which is all the caller
 * asks (whether any). When the counts are missing, every duplicate may be unchanged, unless the
 * affected rows are twice the rows.
 */
function unchangedRows(result: { affectedRows?: number; info?: string }, count: number): number {
  // Every row counted 2: each was updated, none left unchanged. The case of a single webhook,
  // whose one-row insert the server sends no "Records: … Duplicates: …" for.
  if (result.affectedRows === 2 * count) return 0;
  const duplicates = /Duplicates:\s*(\d+)/.exec(result.info ?? '');
  if (duplicates === null || result.affectedRows === undefined) return count;
  const duplicated = Number(duplicates[1]);
  const inserted = count - duplicated;
  const changed = result.affectedRows - inserted - duplicated;
  return duplicated - changed;
}
