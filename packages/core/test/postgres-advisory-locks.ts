/**
 * Which of a store's ctx.transaction advisory locks some connection still holds.
 */
import { createHash } from 'node:crypto';
import type { Queryable } from '../src/postgres/postgres-pool.js';

/**
 * The locks of `table`'s store for `ids` still held on the server, as `high:low` 32 bits.
 * Only this store's (other tests may hold theirs): the key is derived here, independently of
 * the dialect, as SHA-1(table NUL id)'s first 64 bits, which pg_locks shows as two halves.
 * `db` should reach the server directly (past any pooler), to see every server connection.
 */
export async function advisoryLocksHeld(
  db: Queryable,
  table: string,
  ids: Iterable<string>,
): Promise<string[]> {
  const ours = [...ids].map((id) => {
    const digest = createHash('sha1').update(`${table}\u0000${id}`).digest();
    return `${digest.readUInt32BE(0)}:${digest.readUInt32BE(4)}`;
  });
  const { rows } = (await db.query(
    "SELECT classid::text || ':' || objid::text AS lock FROM pg_locks WHERE locktype = 'advisory' AND objsubid = 1",
  )) as { rows: { lock: string }[] };
  return rows.map((row) => row.lock).filter((lock) => ours.includes(lock));
}
