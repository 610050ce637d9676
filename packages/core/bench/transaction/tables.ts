/**
 * The business table and the hand-written side's idempotency table, made before a comparison
 * and dropped after it with every table our store made, so a run leaves nothing behind.
 */
import mysql from 'mysql2/promise';
import pg from 'pg';
import { DATABASE_URL, MYSQL_URL, REMEMBERED } from './settings.js';

export async function pgTables(table: string, create: boolean) {
  const client = new pg.Client({ connectionString: DATABASE_URL });
  await client.connect();
  await client.query(
    create
      ? `CREATE TABLE ${table} (id bigserial PRIMARY KEY, webhook_id text NOT NULL, decision text NOT NULL);
         CREATE TABLE ${table}_seen (id text PRIMARY KEY);
         CREATE TABLE ${table}_claims (id text PRIMARY KEY, state text NOT NULL, lease_until timestamptz)`
      : `DROP TABLE IF EXISTS ${table}, ${table}_seen, ${table}_claims, ${table}_ids, ${table}_ids_effects, ${table}_dead`,
  );
  await client.end();
}

export async function mysqlTables(table: string, create: boolean) {
  const connection = await mysql.createConnection({ uri: MYSQL_URL, multipleStatements: true });
  await connection.query(
    create
      ? `CREATE TABLE ${table} (id BIGINT AUTO_INCREMENT PRIMARY KEY, webhook_id VARCHAR(300) NOT NULL, decision VARCHAR(16) NOT NULL) ENGINE=InnoDB;
         CREATE TABLE ${table}_seen (id VARBINARY(1024) PRIMARY KEY) ENGINE=InnoDB;
         CREATE TABLE ${table}_claims (id VARBINARY(1024) PRIMARY KEY, state VARCHAR(16) NOT NULL, lease_until DATETIME(3)) ENGINE=InnoDB`
      : `DROP TABLE IF EXISTS ${table}, ${table}_seen, ${table}_claims, ${table}_ids, ${table}_ids_effects, ${table}_dead`,
  );
  await connection.end();
}

/**
 * A week of webhooks already handled, on both sides: ids remembered by our store (each with
 * its effect record) and by the hand-written route's tables. A bench on empty tables hid that
 * ctx.transaction read whole tables on Postgres (BENCHMARKS.md, issue 40): what users run has
 * the retention's worth of rows. Run after our store's migrate().
 */
export async function pgRemember(table: string) {
  if (REMEMBERED === 0) return;
  const client = new pg.Client({ connectionString: DATABASE_URL });
  await client.connect();
  await client.query(
    `INSERT INTO ${table}_ids (id, state, attempts, expires_at, done_at)
       SELECT 'old-' || g, 'done', 0, now() + interval '7 days', now() FROM generate_series(1, $1) g;
     INSERT INTO ${table}_ids_effects (id, effect_at) SELECT 'old-' || g, now() FROM generate_series(1, $1) g;
     INSERT INTO ${table}_seen (id) SELECT 'old-' || g FROM generate_series(1, $1) g;
     INSERT INTO ${table}_claims (id, state) SELECT 'old-' || g, 'done' FROM generate_series(1, $1) g;
     ANALYZE ${table}_ids, ${table}_ids_effects, ${table}_seen, ${table}_claims`.replaceAll(
      '$1',
      String(REMEMBERED),
    ),
  );
  await client.end();
}

/** The same on MariaDB (its seq_1_to_N tables). */
export async function mysqlRemember(table: string) {
  if (REMEMBERED === 0) return;
  const connection = await mysql.createConnection({ uri: MYSQL_URL, multipleStatements: true });
  await connection.query(
    `INSERT INTO ${table}_ids (id, state, attempts, expires_at)
       SELECT CONCAT('old-', seq), 'done', 0, NOW() + INTERVAL 7 DAY FROM seq_1_to_${REMEMBERED};
     INSERT INTO ${table}_ids_effects (id, effect_at) SELECT CONCAT('old-', seq), NOW() FROM seq_1_to_${REMEMBERED};
     INSERT INTO ${table}_seen (id) SELECT CONCAT('old-', seq) FROM seq_1_to_${REMEMBERED};
     INSERT INTO ${table}_claims (id, state) SELECT CONCAT('old-', seq), 'done' FROM seq_1_to_${REMEMBERED};
     ANALYZE TABLE ${table}_ids, ${table}_ids_effects, ${table}_seen, ${table}_claims`,
  );
  await connection.end();
}
