import { PINNED } from './mysql-schema.js';

/** The store's three tables, by their (checked) names. */
export interface MysqlTables {
  readonly table: string;
  readonly deadTable: string;
  readonly effectTable: string;
}

/** The statements of a store, built once from its table names. */
export type MysqlStatements = ReturnType<typeof mysqlStatements>;

/**
 * Every statement the store runs on its tables, as text, for a store's table names: the
 * claims, the dead letters, the effect records and pruning. Statements whose rows depend on the
 * batch size take it. `migrate()`'s statements are in `mysql-schema.ts`.
 */
export function mysqlStatements({ table, deadTable, effectTable }: MysqlTables) {
  // Assignments run left to right and see the columns already assigned: the claim token is
  // set first from the old values, and every later column asks whether it is now ours.
  // attempts counts runs; VALUES(started) is 1 when this claim's run starts now (and counts).
  const claimUpdate = `ON DUPLICATE KEY UPDATE
  claim_token = IF((state = 'done' AND expires_at <= NOW(3)) OR state = 'released'
                   OR (state = 'claimed' AND lease_until <= NOW(3)), VALUES(claim_token), claim_token),
  attempts = IF(claim_token <=> VALUES(claim_token),
                IF(state = 'done', 0, attempts) + VALUES(started), attempts),
  started = IF(claim_token <=> VALUES(claim_token), VALUES(started), started),
  owner = IF(claim_token <=> VALUES(claim_token), VALUES(owner), owner),
  fingerprint = IF(claim_token <=> VALUES(claim_token), VALUES(fingerprint), fingerprint),
  done_at = IF(claim_token <=> VALUES(claim_token), NULL, done_at),
  state = IF(claim_token <=> VALUES(claim_token), 'claimed', state),
  lease_until = IF(claim_token <=> VALUES(claim_token), VALUES(lease_until), lease_until),
  expires_at = IF(claim_token <=> VALUES(claim_token), VALUES(expires_at), expires_at)`;
  // A row another owner holds is left unchanged by every assignment: each asks about the old
  // owner, which is assigned last.
  const ours = '(owner IS NULL OR VALUES(owner) IS NULL OR owner = VALUES(owner))';
  const claimInsert = (count: number) =>
    `INSERT INTO ${table} (id, state, lease_until, attempts, expires_at, claim_token, owner, started, fingerprint) VALUES ${Array.from(
      { length: count },
      () =>
        "(?, 'claimed', NOW(3) + INTERVAL ? MICROSECOND, ?, NOW(3) + INTERVAL ? MICROSECOND, ?, ?, ?, ?)",
    ).join(', ')} ${claimUpdate}`;
  const readEffectWith = (columns: string) =>
    `SELECT e.id IS NOT NULL AS committed, e.result, w.owner AS holder${columns}
FROM (SELECT 1) one LEFT JOIN ${effectTable} e ON e.id = ? LEFT JOIN ${table} w ON w.id = ?
LIMIT 1`;
  const recordEffectIf = (condition: string) =>
    `INSERT INTO ${effectTable} (id, effect_at, result)
SELECT ?, NOW(3), UNHEX(?) FROM DUAL WHERE ${condition} AND NOT EXISTS (
  SELECT 1 FROM ${table} WHERE id = ? AND owner IS NOT NULL AND owner <> ?)`;
  const letterColumns = 'id, event, webhook, reason, error, attempts, failed_at, profile_id';

  return {
    /** Values a row: id, lease µs, started, retention µs, token, owner, started, fingerprint. */
    claim: (count: number) => claimInsert(count),
    /**
     * The claim and its read in one statement, on MariaDB (10.5+ answers an insert with
     * RETURNING, duplicates included, with their values after the update; MySQL 8 cannot).
     * Values: {@link claim}'s, then the claim's token.
     */
    claimReturning: (count: number) =>
      `${claimInsert(count)}
RETURNING id, attempts, started, claim_token <=> ? AS mine,
  (state = 'done' AND expires_at > NOW(3)) AS done, fingerprint`,
    /** Values: the claim's token, the ids. */
    claimed: `SELECT id, attempts, started, claim_token <=> ? AS mine,
  (state = 'done' AND expires_at > NOW(3)) AS done, fingerprint
FROM ${table} WHERE id IN (?)`,
    /** Values: the id, the owner twice. */
    markStarted: `UPDATE ${table} SET started = 1, attempts = attempts + 1
WHERE id = ? AND state = 'claimed' AND started = 0 AND lease_until > NOW(3)
  AND (owner IS NULL OR ? IS NULL OR owner = ?)`,
    /** Values a row: id, retention µs, event, profile id, processed at (ms), owner. */
    complete: (count: number) =>
      `INSERT INTO ${table} (id, state, lease_until, attempts, expires_at, event, profile_id, done_at, owner) VALUES ${Array.from(
        { length: count },
        () =>
          "(?, 'done', NULL, 0, NOW(3) + INTERVAL ? MICROSECOND, ?, ?, COALESCE(FROM_UNIXTIME(? / 1000), NOW(3)), ?)",
      ).join(', ')}
ON DUPLICATE KEY UPDATE state = IF(${ours}, 'done', state),
  lease_until = IF(${ours}, NULL, lease_until),
  expires_at = IF(${ours}, VALUES(expires_at), expires_at),
  event = IF(${ours}, COALESCE(VALUES(event), event), event),
  profile_id = IF(${ours}, COALESCE(VALUES(profile_id), profile_id), profile_id),
  done_at = IF(${ours}, VALUES(done_at), done_at),
  owner = IF(${ours}, COALESCE(VALUES(owner), owner), owner)`,
    /** Values: the ids, the owner. */
    heldByOthers: `SELECT id FROM ${table} WHERE id IN (?) AND owner IS NOT NULL AND owner <> ?`,
    /** Values: failed (1 or 0), the ids, the owner twice. */
    release: `UPDATE ${table} SET
  attempts = attempts + IF(?, IF(COALESCE(started, 1) = 1, 0, 1), IF(COALESCE(started, 1) = 1, -1, 0)),
  state = 'released', lease_until = NULL, started = 0, owner = NULL
WHERE id IN (?) AND state = 'claimed' AND (owner IS NULL OR ? IS NULL OR owner = ?)`,
    /** Values: lease µs, the ids, the owner twice. */
    renew: `UPDATE ${table} SET lease_until = NOW(3) + INTERVAL ? MICROSECOND
WHERE id IN (?) AND state = 'claimed' AND lease_until > NOW(3)
  AND (owner IS NULL OR ? IS NULL OR owner = ?)`,

    /** Values: the id, attempts. */
    pinId: `INSERT INTO ${table} (id, state, lease_until, attempts, expires_at)
VALUES (?, 'done', NULL, ?, ${PINNED})
ON DUPLICATE KEY UPDATE state = 'done', lease_until = NULL, expires_at = VALUES(expires_at), done_at = NULL`,
    /** Values: the letter's columns: id, event, webhook, reason, error, attempts, failed_at, profile_id. */
    putDeadLetter: `INSERT INTO ${deadTable} (${letterColumns}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
ON DUPLICATE KEY UPDATE event = VALUES(event), webhook = VALUES(webhook), reason = VALUES(reason),
  error = VALUES(error), attempts = VALUES(attempts), failed_at = VALUES(failed_at),
  profile_id = VALUES(profile_id)`,
    /** Values: limit. */
    listDeadLetters: `SELECT ${letterColumns} FROM ${deadTable} ORDER BY failed_at, id LIMIT ?`,
    /** Values: the id. */
    getDeadLetter: `SELECT ${letterColumns} FROM ${deadTable} WHERE id = ?`,
    /** Values: the id. */
    deleteDeadLetter: `DELETE FROM ${deadTable} WHERE id = ?`,
    /** Values: retention µs, the id. */
    unpinId: `UPDATE ${table} SET expires_at = NOW(3) + INTERVAL ? MICROSECOND WHERE id = ? AND expires_at >= ${PINNED}`,
    countDeadLetters: `SELECT COUNT(*) AS n FROM ${deadTable}`,
    /** Values: the profile id, since (ms), the id excluded, limit. */
    processedSince: `SELECT id, event, UNIX_TIMESTAMP(done_at) * 1000 AS at, COUNT(*) OVER () AS n
FROM ${table}
WHERE profile_id = ? AND state = 'done' AND done_at > FROM_UNIXTIME(? / 1000) AND id <> ?
ORDER BY done_at, id LIMIT ?`,

    /** Values: the id twice. The claim's holder comes in the same read. */
    readEffect: readEffectWith(''),
    /** {@link readEffect} with more `columns` (SQL, each with its alias, after a comma). */
    readEffectWith,
    /**
     * Values: the id, the result in hex (ASCII JSON), the id, the owner. Inserts nothing when
     * another owner holds the claim.
     */
    recordEffect: recordEffectIf('TRUE'),
    /**
     * {@link recordEffect}, inserting nothing unless `condition` (SQL) holds too. Values: the
     * id, the result in hex, the condition's, the id, the owner.
     */
    recordEffectIf,

    pruneIds: `DELETE FROM ${table} WHERE expires_at < NOW(3)
  AND id NOT IN (SELECT id FROM ${deadTable})`,
    /** Values: retention µs. */
    pruneEffects: `DELETE e FROM ${effectTable} e
  LEFT JOIN ${table} w ON w.id = e.id LEFT JOIN ${deadTable} d ON d.id = e.id
  WHERE w.id IS NULL AND d.id IS NULL AND e.effect_at < NOW(3) - INTERVAL ? MICROSECOND`,
  };
}
