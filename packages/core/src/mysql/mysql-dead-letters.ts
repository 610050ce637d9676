import type { DeadLetter, DedupeStore } from '../stores/dedupe-store.js';
import type { MysqlPool } from './mysql-pool.js';
import { idText, inMysqlTransaction, type MysqlQuery } from './mysql-query.js';
import type { MysqlStatements } from './mysql-statements.js';

/** The dead letters of a store, and what a replay of one asks: which newer webhooks ran. */
export type MysqlDeadLetters = Required<
  Pick<
    DedupeStore,
    | 'addDeadLetter'
    | 'processedSince'
    | 'listDeadLetters'
    | 'getDeadLetter'
    | 'deleteDeadLetter'
    | 'countDeadLetters'
  >
>;

/** What {@link mysqlDeadLetters} runs on. */
export interface MysqlDeadLetterParts {
  readonly pool: MysqlPool;
  readonly query: MysqlQuery;
  readonly sql: MysqlStatements;
  /** How long a completed id is remembered, in microseconds. */
  readonly retentionUs: number;
}

/**
 * A store's dead letters. A letter's id is remembered (its expiry pinned) for as long as the
 * letter exists, and for the retention from its deletion.
 */
export function mysqlDeadLetters({
  pool,
  query,
  sql,
  retentionUs,
}: MysqlDeadLetterParts): MysqlDeadLetters {
  return {
    async addDeadLetter(letter) {
      await inMysqlTransaction(pool, async (connection) => {
        // The id is remembered while its letter exists: a replay weeks later must find the
        // effect its transaction recorded, and a redelivery must still be a duplicate.
        await query(sql.pinId, [letter.id, letter.attempts], connection);
        await query(
          sql.putDeadLetter,
          [
            letter.id,
            letter.event,
            JSON.stringify(letter.webhook),
            letter.reason,
            letter.error,
            letter.attempts,
            letter.failedAt,
            letter.profileId ?? null,
          ],
          connection,
        );
      });
    },
    async processedSince(profileId, since, { limit = 20, excluding = '' } = {}) {
      const rows = await query<{ id: unknown; event: string; at: unknown; n: unknown }>(
        sql.processedSince,
        [profileId, since, excluding, limit],
      );
      return {
        count: rows.length === 0 ? 0 : Number(rows[0]!.n),
        webhooks: rows.map((row) => ({
          id: idText(row.id),
          event: row.event,
          processedAt: Math.round(Number(row.at)),
        })),
      };
    },
    async listDeadLetters({ limit = 100 } = {}) {
      const rows = await query(sql.listDeadLetters, [limit]);
      return rows.map(toLetter);
    },
    async getDeadLetter(id) {
      const rows = await query(sql.getDeadLetter, [id]);
      return rows[0] === undefined ? undefined : toLetter(rows[0]);
    },
    async deleteDeadLetter(id) {
      return inMysqlTransaction(pool, async (connection) => {
        const result = await query(sql.deleteDeadLetter, [id], connection);
        if ((result.affectedRows ?? 0) === 0) return false;
        // Once the letter is gone, its id is remembered for the retention from now.
        await query(sql.unpinId, [retentionUs, id], connection);
        return true;
      });
    },
    async countDeadLetters() {
      const rows = await query<{ n: number }>(sql.countDeadLetters);
      return Number(rows[0]?.n ?? 0);
    },
  };
}

/** A row of the dead letters table (its columns as `letterColumns` lists them) as a letter. */
function toLetter(row: Record<string, unknown>): DeadLetter {
  return {
    id: idText(row['id']),
    event: row['event'] as string,
    webhook: JSON.parse(row['webhook'] as string) as DeadLetter['webhook'],
    reason: row['reason'] as DeadLetter['reason'],
    error: row['error'] as string,
    attempts: Number(row['attempts']),
    failedAt: Number(row['failed_at']),
    // Compared by exact bytes, as ids are: 'PROF-ABC' and 'prof-abc ' are other profiles.
    ...(row['profile_id'] == null ? {} : { profileId: idText(row['profile_id']) }),
  };
}
