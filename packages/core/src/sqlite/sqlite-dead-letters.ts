import type {
  DeadLetter,
  ListDeadLettersOptions,
  ProcessedSince,
  ProcessedSinceOptions,
} from '../stores/dedupe-store.js';
import type { SqliteRunner } from './sqlite-claims.js';
import type { SqliteRow } from './sqlite-driver.js';
import { NOW, PINNED, type SqliteTables } from './sqlite-schema.js';

const COLUMNS = 'id, event, webhook, reason, error, attempts, failed_at, profile_id';

function toLetter(row: SqliteRow): DeadLetter {
  return {
    id: row['id'] as string,
    event: row['event'] as string,
    webhook: JSON.parse(row['webhook'] as string) as DeadLetter['webhook'],
    reason: row['reason'] as DeadLetter['reason'],
    error: row['error'] as string,
    attempts: Number(row['attempts']),
    failedAt: Number(row['failed_at']),
    ...(typeof row['profile_id'] === 'string' ? { profileId: row['profile_id'] } : {}),
  };
}

/**
 * Dead letters on SQLite, and what keeps a replay exactly-once: a dead-lettered id is pinned
 * (never expires) while its letter exists, so `prune()` keeps it and its effect record; the
 * completions a replay compares against (`processedSince`).
 */
export function sqliteDeadLetters(db: SqliteRunner, t: SqliteTables, retentionMs: number) {
  return {
    async addDeadLetter(letter: DeadLetter): Promise<void> {
      await db.batch([
        {
          sql: `INSERT INTO ${t.ids} (id, state, lease_until, attempts, expires_at)
VALUES (?, 'done', NULL, ?, ${PINNED})
ON CONFLICT (id) DO UPDATE SET state = 'done', lease_until = NULL, expires_at = ${PINNED}, done_at = NULL`,
          args: [letter.id, letter.attempts],
        },
        {
          sql: `INSERT INTO ${t.deadLetters} (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (id) DO UPDATE SET event = excluded.event, webhook = excluded.webhook,
  reason = excluded.reason, error = excluded.error, attempts = excluded.attempts,
  failed_at = excluded.failed_at, profile_id = excluded.profile_id`,
          args: [
            letter.id,
            letter.event,
            JSON.stringify(letter.webhook),
            letter.reason,
            letter.error,
            letter.attempts,
            Math.round(letter.failedAt),
            letter.profileId ?? null,
          ],
        },
      ]);
    },
    async listDeadLetters({ limit = 100 }: ListDeadLettersOptions = {}) {
      const rows = await db.query(
        `SELECT ${COLUMNS} FROM ${t.deadLetters} ORDER BY failed_at, id LIMIT ?`,
        [limit],
      );
      return rows.map(toLetter);
    },
    async getDeadLetter(id: string) {
      const rows = await db.query(`SELECT ${COLUMNS} FROM ${t.deadLetters} WHERE id = ?`, [id]);
      return rows[0] === undefined ? undefined : toLetter(rows[0]);
    },
    async deleteDeadLetter(id: string): Promise<boolean> {
      const [gone = []] = await db.batch([
        { sql: `DELETE FROM ${t.deadLetters} WHERE id = ? RETURNING id`, args: [id] },
        // Once the letter is gone, its id is remembered for the retention from now.
        {
          sql: `UPDATE ${t.ids} SET expires_at = ${NOW} + ? WHERE id = ? AND expires_at = ${PINNED}`,
          args: [retentionMs, id],
        },
      ]);
      return gone.length > 0;
    },
    async countDeadLetters() {
      const rows = await db.query(`SELECT count(*) AS n FROM ${t.deadLetters}`);
      return Number(rows[0]?.['n'] ?? 0);
    },
    async processedSince(
      profileId: string,
      since: number,
      { limit = 20, excluding = '' }: ProcessedSinceOptions = {},
    ): Promise<ProcessedSince> {
      const rows = await db.query(
        `SELECT id, event, done_at AS at, count(*) OVER () AS n FROM ${t.ids}
WHERE profile_id = ? AND state = 'done' AND done_at > ? AND id <> ?
ORDER BY done_at, id LIMIT ?`,
        [profileId, Math.floor(since), excluding, limit],
      );
      return {
        count: rows.length === 0 ? 0 : Number(rows[0]!['n']),
        webhooks: rows.map((row) => ({
          id: row['id'] as string,
          event: row['event'] as string,
          processedAt: Number(row['at']),
        })),
      };
    },
    /**
     * Deletes the ids whose retention passed, with their effect records, a few thousand per
     * write so that the database's one write lock is never held for long. An id with a dead
     * letter stays, and so does its effect record: a replay of the letter must find it.
     */
    async prune(): Promise<number> {
      const expired = `SELECT id FROM ${t.ids} w WHERE expires_at < ${NOW}
  AND NOT EXISTS (SELECT 1 FROM ${t.deadLetters} d WHERE d.id = w.id) LIMIT 5000`;
      let total = 0;
      for (;;) {
        const [, gone = []] = await db.batch([
          { sql: `DELETE FROM ${t.effects} WHERE id IN (${expired})` },
          { sql: `DELETE FROM ${t.ids} WHERE id IN (${expired}) RETURNING id` },
        ]);
        total += gone.length;
        if (gone.length < 5000) break;
      }
      // Effect records whose id is not remembered at all (a transaction run outside a claim)
      // go once they are older than the retention.
      await db.query(
        `DELETE FROM ${t.effects} WHERE effect_at < ${NOW} - ?
  AND id NOT IN (SELECT id FROM ${t.ids}) AND id NOT IN (SELECT id FROM ${t.deadLetters})`,
        [retentionMs],
      );
      return total;
    },
  };
}
