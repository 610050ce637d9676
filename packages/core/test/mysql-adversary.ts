/**
 * The MySQL / MariaDB store as the adversarial tests attack it (mysql-claims-adversarial,
 * mysql-transaction-adversarial, mysql-transaction-kills): a store on tables of its own, a
 * second replica, a receiver, the business rows written, the session a pool user would inherit,
 * stored procedures made and dropped.
 */
import mysql from 'mysql2/promise';
import { createPassfortWebhooks } from '../src/create-passfort-webhooks.js';
import { mysqlStore } from '../src/mysql/mysql-dedupe-store.js';
import type { MysqlPool, MysqlQueryable } from '../src/mysql/mysql-pool.js';
import { MYSQL_URL, uniqueName } from './services.js';
import { bearer, productStatusChanged, SECRET } from './webhook-fixtures.js';

const cleanups: Array<() => Promise<void>> = [];

/** Runs `cleanup` after the test (a user or a pool a test made itself). */
export function onCleanUp(cleanup: () => Promise<void>): void {
  cleanups.push(cleanup);
}

/** Drops what the tests' `openAdversary` made: tables, procedures, pools. Call it in afterEach. */
export async function cleanUpAdversaries(): Promise<void> {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => {});
}

/** The session settings a user of the pool would inherit (connectionLimit 1: the same one). */
const SESSION_SQL = `SELECT @@time_zone AS tz, @@sql_mode AS mode, @@autocommit AS ac,
  @@tx_read_only AS ro, @@sql_select_limit AS lim, @@max_statement_time AS mst,
  @@character_set_results AS results, @@character_set_client AS client, @@in_transaction AS trx`;

export async function openAdversary({
  connectionLimit = 10,
  poolOptions = {},
  wrap,
  onConnection,
}: {
  connectionLimit?: number;
  poolOptions?: mysql.PoolOptions;
  wrap?: (pool: mysql.Pool) => MysqlPool;
  /** Run on every new connection of the pool, before the store uses it. */
  onConnection?: string | undefined;
} = {}) {
  const table = uniqueName('pfw_atk');
  const effects = `${table}_fx`;
  const pool = mysql.createPool(
    poolOptions.user === undefined
      ? { uri: MYSQL_URL, connectionLimit, ...poolOptions }
      : { connectionLimit, ...poolOptions },
  );
  if (onConnection !== undefined) {
    (
      pool.pool as unknown as {
        on(event: string, listener: (connection: { query(sql: string): void }) => void): void;
      }
    ).on('connection', (connection) => connection.query(onConnection));
  }
  const admin = mysql.createPool({ uri: MYSQL_URL, connectionLimit: 3 });
  const extra: string[] = [];
  const procedures: string[] = [];
  cleanups.push(async () => {
    for (const procedure of procedures) await admin.query(`DROP PROCEDURE IF EXISTS ${procedure}`);
    await admin.query(
      `DROP TABLE IF EXISTS ${[table, `${table}_dead`, `${table}_effects`, effects, `${table}_ddl`, ...extra].join(', ')}`,
    );
    await pool.end().catch(() => {});
    await admin.end();
  });
  const storeOf = (on: MysqlPool) =>
    mysqlStore({
      pool: on,
      table,
      deadLetterTable: `${table}_dead`,
      logger: false,
      pruneIntervalMs: 0,
      transactionLockWaitMs: 3_000,
    });
  const store = storeOf(wrap ? wrap(pool) : pool);
  cleanups.push(async () => store.close?.());
  await store.migrate();
  await admin.query(
    `CREATE TABLE ${effects} (seq BIGINT AUTO_INCREMENT PRIMARY KEY, webhook_id VARCHAR(64)) ENGINE=InnoDB`,
  );
  /** A second store on the same tables, through a pool of its own (another replica). */
  const other = () => {
    const otherPool = mysql.createPool({ uri: MYSQL_URL, connectionLimit: 4 });
    const otherStore = storeOf(otherPool);
    cleanups.push(async () => {
      otherStore.close?.();
      await otherPool.end();
    });
    return otherStore;
  };
  const receiver = (on = store, extraOptions: { leaseMs?: number } = {}) =>
    createPassfortWebhooks({ secret: SECRET, store: on, logger: false, ...extraOptions });
  const send = (webhooks: ReturnType<typeof receiver>, id: string) =>
    webhooks.handle({
      method: 'POST',
      headers: bearer(),
      body: JSON.stringify(productStatusChanged(id)),
    });
  const effectRows = async () => {
    const [rows] = await admin.query(`SELECT webhook_id FROM ${effects} ORDER BY seq`);
    return (rows as { webhook_id: string }[]).map((row) => row.webhook_id);
  };
  const insert = async (tx: MysqlQueryable, id: string) => {
    await tx.query(`INSERT INTO ${effects} (webhook_id) VALUES (?)`, [id]);
  };
  const session = async () => {
    const [rows] = await pool.query(SESSION_SQL);
    const row = (rows as Record<string, unknown>[])[0]!;
    return Object.fromEntries(Object.entries(row).map(([k, v]) => [k, String(v)])) as Record<
      'tz' | 'mode' | 'ac' | 'ro' | 'lim' | 'mst' | 'results' | 'client' | 'trx',
      string
    >;
  };
  const procedure = async (name: string, body: string) => {
    const full = `${table}_${name}`;
    procedures.push(full);
    await admin.query(`CREATE PROCEDURE ${full}() ${body}`);
    return full;
  };
  return {
    table,
    effects,
    pool,
    admin,
    store,
    other,
    receiver,
    send,
    effectRows,
    insert,
    session,
    procedure,
    extra,
  };
}
