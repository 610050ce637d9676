/**
 * The dedupe store's SQL for one set of tables: a batch claim, complete, release or renewal is
 * one statement whatever the batch size, and so is each dead-letter operation. The table names
 * are checked (by postgresSchemaSql) before they reach here: they are written into the SQL.
 */
export function postgresStatements(table: string, deadTable: string, effectTable: string) {
  // $4 owner, $5 true when only the first id's run starts now (else every id's), $6 the
  // fingerprints. attempts counts runs; a claim that counts its own run sets started.
  // Committed without waiting for its WAL flush (see ASYNC_COMMIT): nothing is acknowledged
  // on a claim alone, and whatever acknowledges the webhook (its completion, its release,
  // ctx.transaction's commit) is flushed later, and flushes the claim with it.
  const claimSql = `WITH input AS (
  SELECT id, fp, ord, (ord = 1 OR NOT $5::boolean) AS counts
  FROM unnest($1::text[], $6::text[]) WITH ORDINALITY AS t(id, fp, ord)
), claimed AS (
  INSERT INTO ${table} AS w (id, state, lease_until, attempts, expires_at, owner, started, fingerprint)
  SELECT id, 'claimed', now() + $2 * interval '1 millisecond', CASE WHEN counts THEN 1 ELSE 0 END,
    now() + $3 * interval '1 millisecond', $4, counts, fp
  -- rows are locked in id order, so claimers of overlapping batches cannot deadlock
  FROM input WHERE id IS NOT NULL ORDER BY id
  ON CONFLICT (id) DO UPDATE SET
    state = 'claimed',
    lease_until = EXCLUDED.lease_until,
    attempts = CASE WHEN w.state = 'done' THEN 0 ELSE w.attempts END + EXCLUDED.attempts,
    started = EXCLUDED.started,
    owner = EXCLUDED.owner,
    fingerprint = EXCLUDED.fingerprint,
    expires_at = EXCLUDED.expires_at,
    done_at = NULL
  WHERE (w.state = 'done' AND w.expires_at <= now())
     OR (w.state = 'released')
     OR (w.state = 'claimed' AND w.lease_until <= now())
  RETURNING w.id, w.attempts, w.started
)
SELECT claimed.attempts + CASE WHEN claimed.started THEN 0 ELSE 1 END AS attempts,
       (existing.state = 'done' AND existing.expires_at > now()) AS done,
       existing.fingerprint AS fingerprint,
       (SELECT ${ASYNC_COMMIT}) AS lazy
FROM input
LEFT JOIN claimed ON claimed.id = input.id
LEFT JOIN ${table} existing ON existing.id = input.id
WHERE input.id IS NOT NULL
ORDER BY input.ord`;

  // Completions name the profile of the webhooks that have one, so that a replayed dead letter
  // can learn which newer webhooks for its profile were processed after it. $7 the owner: a
  // row another owner holds is left as it is, and its id returned as refused (the conflict's
  // WHERE reads the row as locked, so a claim taken over meanwhile is seen). $8 an id whose run
  // starts now: counted, once, if this owner still holds it (see CompleteOptions.started).
  const completeSql = `WITH mark AS (
  UPDATE ${table} SET started = true, attempts = attempts + 1
  WHERE id = $8 AND state = 'claimed' AND started = false AND lease_until > now()
    AND ($7::text IS NULL OR owner IS NULL OR owner = $7) AND NOT (id = ANY($1::text[]))
), done AS (
  INSERT INTO ${table} AS w (id, state, lease_until, attempts, expires_at, event, profile_id, done_at, owner)
  SELECT t.id, 'done', NULL, 0, now() + $2 * interval '1 millisecond', p.event, p.profile_id,
    -- in whole milliseconds, as processedSince() reports and compares it
    coalesce(to_timestamp(p.at / 1000), date_trunc('milliseconds', clock_timestamp())), $7
  FROM unnest($1::text[]) AS t(id)
  LEFT JOIN unnest($3::text[], $4::text[], $5::text[], $6::float8[]) AS p(id, event, profile_id, at)
    ON p.id = t.id
  ORDER BY t.id
  ON CONFLICT (id) DO UPDATE SET state = 'done', lease_until = NULL, expires_at = EXCLUDED.expires_at,
    event = coalesce(EXCLUDED.event, w.event), profile_id = coalesce(EXCLUDED.profile_id, w.profile_id),
    done_at = EXCLUDED.done_at, owner = coalesce(EXCLUDED.owner, w.owner)
  WHERE $7::text IS NULL OR w.owner IS NULL OR w.owner = $7
  RETURNING w.id
)
SELECT coalesce(array_agg(t.id), '{}') AS refused FROM unnest($1::text[]) AS t(id)
WHERE t.id NOT IN (SELECT id FROM done)`;
  // The same for ids whose ctx.transaction committed (see the store's effectsCommitted): without
  // waiting for the WAL flush. Their effect and its record are durable already; if a crash of the
  // database lost this write, the id is a claim again, whose redelivery (once its lease ended)
  // finds the effect recorded and does not run it again: only work outside the transaction runs
  // again, which is at-least-once anyway.
  const completeLazySql = completeSql.replace(
    'AS refused FROM unnest',
    `AS refused, (SELECT ${ASYNC_COMMIT}) AS lazy FROM unnest`,
  );

  // $2: the handlers ran and failed (their run is counted if it was not), else they never
  // started (a run counted is taken back); $3 the owner. A released claim is nobody's.
  const releaseSql = `UPDATE ${table}
SET state = 'released', lease_until = NULL, owner = NULL, started = false,
  attempts = attempts + CASE WHEN $2 THEN CASE WHEN coalesce(started, true) THEN 0 ELSE 1 END
                             ELSE CASE WHEN coalesce(started, true) THEN -1 ELSE 0 END END
WHERE id = ANY($1::text[]) AND state = 'claimed' AND ($3::text IS NULL OR owner IS NULL OR owner = $3)`;

  // Live claims of this owner only: an ended lease may already be someone else's to take. A
  // row locked at this moment (a claim or a completion of it in flight) is skipped, never
  // waited for: the next renewal, a third of a lease later, extends it.
  const renewSql = `UPDATE ${table} SET lease_until = now() + $2 * interval '1 millisecond'
WHERE id IN (SELECT id FROM ${table} WHERE id = ANY($1::text[]) AND state = 'claimed'
  AND lease_until > now() AND ($3::text IS NULL OR owner IS NULL OR owner = $3)
  ORDER BY id FOR UPDATE SKIP LOCKED)`;

  // The id is remembered (expires 'infinity') while its letter exists: a replay weeks later
  // must find the effect its transaction recorded, and a redelivery must still be a duplicate.
  const deadLetterSql = `WITH done AS (
  INSERT INTO ${table} (id, state, lease_until, attempts, expires_at)
  VALUES ($1, 'done', NULL, $5, 'infinity')
  ON CONFLICT (id) DO UPDATE SET state = 'done', lease_until = NULL, expires_at = 'infinity', done_at = NULL
)
INSERT INTO ${deadTable} (id, event, webhook, reason, error, attempts, failed_at, profile_id)
VALUES ($1, $2, $3::jsonb, $4, $6, $5, to_timestamp($7::double precision / 1000), $8)
ON CONFLICT (id) DO UPDATE SET event = EXCLUDED.event, webhook = EXCLUDED.webhook,
  reason = EXCLUDED.reason, error = EXCLUDED.error, attempts = EXCLUDED.attempts,
  failed_at = EXCLUDED.failed_at, profile_id = EXCLUDED.profile_id`;

  // Once the letter is gone, its id is remembered for the retention from now.
  const deleteDeadLetterSql = `WITH gone AS (DELETE FROM ${deadTable} WHERE id = $1 RETURNING id),
unpinned AS (
  UPDATE ${table} SET expires_at = now() + $2 * interval '1 millisecond'
  WHERE id IN (SELECT id FROM gone) AND expires_at = 'infinity'
)
SELECT count(*)::int AS n FROM gone`;

  const processedSinceSql = `SELECT id, event, (extract(epoch FROM done_at) * 1000)::float8 AS at,
  count(*) OVER ()::int AS n
FROM ${table}
WHERE profile_id = $1 AND state = 'done' AND done_at > to_timestamp($2::double precision / 1000)
  AND id <> $3
ORDER BY done_at, id LIMIT $4`;

  const letterColumns = `id, event, webhook, reason, error, attempts,
  (extract(epoch FROM failed_at) * 1000)::float8 AS failed_at, profile_id`;
  const listDeadLettersSql = `SELECT ${letterColumns} FROM ${deadTable} ORDER BY failed_at, id LIMIT $1`;
  const getDeadLetterSql = `SELECT ${letterColumns} FROM ${deadTable} WHERE id = $1`;
  const countDeadLettersSql = `SELECT count(*)::int AS n FROM ${deadTable}`;

  // prune(): the ids whose retention passed go, with their effect records. An id with a dead
  // letter stays whatever its expiry says (a table from an earlier version may not have it
  // pinned yet), and so does its effect record: a replay of the letter must find it.
  const pruneIdsSql = `WITH gone AS (
  DELETE FROM ${table} w WHERE expires_at < now()
    AND NOT EXISTS (SELECT 1 FROM ${deadTable} d WHERE d.id = w.id)
  RETURNING id
), effects AS (DELETE FROM ${effectTable} WHERE id IN (SELECT id FROM gone))
SELECT count(*)::int AS n FROM gone`;
  // Effect records whose id is not remembered at all (a transaction run outside a claim) go
  // once they are older than the retention.
  const pruneEffectsSql = `DELETE FROM ${effectTable} e WHERE effect_at < now() - $1 * interval '1 millisecond'
  AND NOT EXISTS (SELECT 1 FROM ${table} w WHERE w.id = e.id)
  AND NOT EXISTS (SELECT 1 FROM ${deadTable} d WHERE d.id = e.id)`;

  return {
    claim: claimSql,
    complete: completeSql,
    completeLazy: completeLazySql,
    release: releaseSql,
    renew: renewSql,
    deadLetter: deadLetterSql,
    deleteDeadLetter: deleteDeadLetterSql,
    processedSince: processedSinceSql,
    listDeadLetters: listDeadLettersSql,
    getDeadLetter: getDeadLetterSql,
    countDeadLetters: countDeadLettersSql,
    pruneIds: pruneIdsSql,
    pruneEffects: pruneEffectsSql,
  };
}

/**
 * Set in a statement, makes its transaction commit without waiting for the WAL flush: a crash
 * of the database (not of the process) may lose it, never reorder it (a later flushed commit
 * flushes it too). 1 ms against 0.05 ms here: the flush, not the round trip, was most of what
 * a claim and a completion cost (BENCHMARKS.md, issue 40).
 */
const ASYNC_COMMIT = "set_config('synchronous_commit', 'off', true)";
