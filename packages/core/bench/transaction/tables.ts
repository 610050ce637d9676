/**
 * The business table and the hand-written side's idempotency table, made before a comparison
 * and dropped after it with every table our store made, so a run leaves nothing behind.
 */
import mysql from 'mysql2/promise';
import pg from 'pg';
import { DATABASE_URL, MYSQL_URL } from './settings.js';

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
         CREATE TABLE ${table}_seen (id VARBINARY(1024) PRIMARY KEY) ENGINE=InnoDB`
      : `DROP TABLE IF EXISTS ${table}, ${table}_seen, ${table}_ids, ${table}_ids_effects, ${table}_dead`,
  );
  await connection.end();
}
