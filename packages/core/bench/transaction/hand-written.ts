/**
 * The hand-written side: the same guarantee a user writes without this library (parse, the
 * secret compared constant-time, `BEGIN`, an idempotency row `ON CONFLICT DO NOTHING`, the
 * business row, `COMMIT`), on Postgres and MariaDB.
 */
import { timingSafeEqual } from 'node:crypto';
import { countedMysqlPool, countedPgPool } from './counted-pools.js';
import { headers, SECRET, type Side } from './settings.js';

const secretBytes = new TextEncoder().encode(SECRET);
function secretMatches(given: unknown): boolean {
  if (typeof given !== 'string') return false;
  const bytes = new TextEncoder().encode(given);
  return bytes.length === secretBytes.length && timingSafeEqual(bytes, secretBytes);
}

/** Parse and secret check as the receiver does them (before its store), for both databases. */
export function parseAndCheck(request: { headers: Record<string, string>; body: string }) {
  let envelope: { id?: unknown; secret?: unknown; event?: unknown; data?: unknown };
  try {
    envelope = JSON.parse(request.body) as typeof envelope;
  } catch {
    return 400;
  }
  const bearer = request.headers['authorization']?.replace(/^Bearer /, '');
  if (!secretMatches(bearer) || !secretMatches(envelope.secret)) return 401;
  if (typeof envelope.id !== 'string') return 400;
  return envelope as { id: string; event: string; data: unknown };
}

/**
 * A hand-written route: the body parsed and the secret checked (an answer of 400 or 401 when
 * they fail), then `write` with the envelope, whose answer it returns.
 */
function route(
  name: string,
  trips: () => number,
  close: () => Promise<void>,
  write: (envelope: { id: string }) => Promise<number>,
): Side {
  return {
    name,
    trips,
    async handle(text) {
      const envelope = parseAndCheck({ headers, body: text });
      return typeof envelope === 'number' ? envelope : write(envelope);
    },
    close,
  };
}

/**
 * The transaction both Postgres routes write by hand: `BEGIN`, the idempotency row `ON
 * CONFLICT DO NOTHING`, the business row only if that row was new, `COMMIT`.
 */
async function writeOncePg(
  pool: ReturnType<typeof countedPgPool>['pool'],
  table: string,
  id: string,
) {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const fresh = await client.query(
      `INSERT INTO ${table}_seen (id) VALUES ($1) ON CONFLICT DO NOTHING RETURNING id`,
      [id],
    );
    if (fresh.rows.length > 0) {
      await client.query(`INSERT INTO ${table} (webhook_id, decision) VALUES ($1, $2)`, [
        id,
        'PASS',
      ]);
    }
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}

export function handWrittenPg(table: string): Side {
  const { pool, trips } = countedPgPool();
  return route(
    'hand-written',
    trips,
    () => pool.end(),
    async (envelope) => {
      await writeOncePg(pool, table, envelope.id);
      return 200;
    },
  );
}

/** The MariaDB transaction written by hand: the same steps as {@link writeOncePg}. */
async function writeOnceMysql(
  pool: ReturnType<typeof countedMysqlPool>['pool'],
  table: string,
  id: string,
) {
  const connection = await pool.getConnection();
  try {
    await connection.beginTransaction();
    const [fresh] = await connection.query(`INSERT IGNORE INTO ${table}_seen (id) VALUES (?)`, [
      id,
    ]);
    if ((fresh as { affectedRows: number }).affectedRows > 0) {
      await connection.query(`INSERT INTO ${table} (webhook_id, decision) VALUES (?, ?)`, [
        id,
        'PASS',
      ]);
    }
    await connection.commit();
  } catch (error) {
    await connection.rollback().catch(() => {});
    throw error;
  } finally {
    connection.release();
  }
}

export function handWrittenMysql(table: string): Side {
  const { pool, trips } = countedMysqlPool();
  return route(
    'hand-written',
    trips,
    () => pool.end(),
    async (envelope) => {
      await writeOnceMysql(pool, table, envelope.id);
      return 200;
    },
  );
}

/**
 * {@link handWrittenPgWithClaim} on MariaDB, as most MySQL code writes a claim: `INSERT IGNORE`
 * of a fresh id (a taken id is then taken over by an `UPDATE` only when its lease lapsed), the
 * effect's transaction, then the id marked done.
 */
export function handWrittenMysqlWithClaim(table: string): Side {
  const { pool, trips } = countedMysqlPool();
  return route(
    'hand-written claim + transaction + done',
    trips,
    () => pool.end(),
    async (envelope) => {
      const [inserted] = await pool.query(
        `INSERT IGNORE INTO ${table}_claims (id, state, lease_until) VALUES (?, 'claimed', NOW(3) + INTERVAL 9 SECOND)`,
        [envelope.id],
      );
      if ((inserted as { affectedRows: number }).affectedRows === 0) {
        const [lapsed] = await pool.query(
          `UPDATE ${table}_claims SET lease_until = NOW(3) + INTERVAL 9 SECOND
         WHERE id = ? AND state = 'claimed' AND lease_until < NOW(3)`,
          [envelope.id],
        );
        if ((lapsed as { affectedRows: number }).affectedRows === 0) return 200; // done, or held
      }
      await writeOnceMysql(pool, table, envelope.id);
      await pool.query(
        `UPDATE ${table}_claims SET state = 'done', lease_until = NULL WHERE id = ?`,
        [envelope.id],
      );
      return 200;
    },
  );
}

/**
 * The same guarantees as ctx.transaction, written by hand on Postgres (and on MariaDB,
 * {@link handWrittenMysqlWithClaim}): what a user needs for
 * the work *outside* the transaction (an e-mail, an API call) to run at least once, and for a
 * concurrent redelivery not to wait on the handler: a claim with a lease before the handler
 * (one autocommit upsert that takes a free or lapsed id), the effect's transaction with its
 * own record (`ON CONFLICT DO NOTHING` on the record skips the business row when a retry finds
 * it), then the id marked done. The minimal hand version: no owner fencing, no lease
 * renewal, no dead letters, no grouped completion, flushed commits (the default).
 */
export function handWrittenPgWithClaim(table: string): Side {
  const { pool, trips } = countedPgPool();
  return route(
    'hand-written claim + transaction + done',
    trips,
    () => pool.end(),
    async (envelope) => {
      const claimed = await pool.query(
        `INSERT INTO ${table}_claims (id, state, lease_until) VALUES ($1, 'claimed', now() + interval '9 seconds')
       ON CONFLICT (id) DO UPDATE SET lease_until = EXCLUDED.lease_until
       WHERE ${table}_claims.state = 'claimed' AND ${table}_claims.lease_until < now()
       RETURNING id`,
        [envelope.id],
      );
      if (claimed.rows.length === 0) return 200; // done, or another delivery holds it
      await writeOncePg(pool, table, envelope.id);
      await pool.query(
        `UPDATE ${table}_claims SET state = 'done', lease_until = NULL WHERE id = $1`,
        [envelope.id],
      );
      return 200;
    },
  );
}
