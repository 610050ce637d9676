import { createHash } from 'node:crypto';
import { ConfigurationError } from '../errors/configuration-error.js';
import { StoreUnavailableError } from '../errors/store-unavailable-error.js';
import { resolveLogger } from '../observability/console-logger.js';
import { describeError, type Logger } from '../observability/logger.js';
import { type KnownOptions, refuseUnknownOptions } from '../options/refuse-unknown-options.js';
import type { ClaimOutcome, CompleteOptions, DeadLetter } from './dedupe-store.js';
import { DEFAULT_RETENTION_MS } from './dedupe-store.js';
import { recordedResult } from './transaction/recordable-result.js';
import { type TransactionDialect, transactOnce } from './transaction/transact-once.js';
import type { TransactionalStore } from './transactional-store.js';

/** The options it accepts: an unknown one is refused (see `refuseUnknownOptions`). */
const MYSQL_STORE_OPTIONS = {
  pool: true,
  table: true,
  deadLetterTable: true,
  effectTable: true,
  retentionMs: true,
  transactionLockWaitMs: true,
  pruneIntervalMs: true,
  logger: true,
} as const satisfies KnownOptions<MysqlStoreOptions>;

/** What the store runs statements on: a connection of a mysql2 promise pool. */
export interface MysqlQueryable {
  query(sql: string, values?: unknown): Promise<[unknown, unknown]>;
}

/** A connection taken from the pool, for transactions. */
export interface MysqlPoolConnection extends MysqlQueryable {
  beginTransaction(): Promise<void>;
  commit(): Promise<void>;
  rollback(): Promise<void>;
  release(): void;
  /** Closes the connection instead of returning it (after a failed rollback). */
  destroy(): void;
}

/** What the store needs of a `mysql2/promise` Pool. */
export interface MysqlPool extends MysqlQueryable {
  getConnection(): Promise<MysqlPoolConnection>;
}

/** The connection `ctx.transaction` hands to handlers: mysql2's `PoolConnection` for its Pool. */
export type MysqlConnectionOf<P> = P extends { getConnection(): Promise<infer C> } ? C : never;

/** Options of {@link mysqlStore}. */
export interface MysqlStoreOptions<P extends MysqlPool = MysqlPool> {
  /**
   * A `mysql2/promise` Pool (`mysql.createPool(...)`). It stays yours: `close()` does not end
   * it. `ctx.transaction` runs on connections of this pool.
   */
  pool: P;
  /**
   * Table of webhook ids. Letters, digits and underscores, optionally database-qualified.
   * @default 'passfort_webhook_ids'
   */
  table?: string;
  /** Table of dead letters. @default 'passfort_webhook_dead_letters' */
  deadLetterTable?: string;
  /**
   * Table of `ctx.transaction`'s effect records: one row per webhook whose transaction
   * committed, kept as long as its id is remembered or a dead letter of it exists.
   * @default 'passfort_webhook_effects', or `${table}_effects` when `table` is set
   */
  effectTable?: string;
  /**
   * How long a completed id is remembered. A dead-lettered id is remembered, with its effect
   * record, for as long as its dead letter exists, whatever this says.
   * @default 7 days
   */
  retentionMs?: number;
  /**
   * How long a `ctx.transaction` waits for another run of the same webhook to finish its
   * transaction before failing, so that the webhook is retried. The wait polls a named lock
   * (`GET_LOCK(name, 0)`) without holding a pool connection or a server thread.
   * @default 60_000
   */
  transactionLockWaitMs?: number;
  /**
   * How often expired ids are deleted, in the background (0 turns it off; call `prune()`).
   * @default 600_000
   */
  pruneIntervalMs?: number;
  /** Where a pool connection's failure is reported; `false` for nowhere. @default the console */
  logger?: Logger | false;
}

/** The MySQL / MariaDB store: a transactional {@link DedupeStore} plus its schema management. */
export interface MysqlStore<Connection = unknown> extends TransactionalStore<Connection> {
  /**
   * Creates the tables if they do not exist, adds the columns an earlier version lacked, and
   * refuses tables on an engine that cannot roll back. Run it once, at deploy time, before the
   * new version receives webhooks.
   */
  migrate(): Promise<void>;
  /** Deletes ids whose retention has passed; returns how many. */
  prune(): Promise<number>;
}

const IDENTIFIER = /^[a-z_][a-z0-9_]*(\.[a-z_][a-z0-9_]*)?$/i;
/**
 * Ids are stored by their exact bytes. A binary collation is not enough: utf8mb4_bin pads with
 * spaces on MariaDB 10.11 and MySQL 8 alike, so 'wh-1 ' after 'wh-1' was a duplicate key, and
 * a case-insensitive one would make 'ABC' and 'abc' one webhook. The room: the receiver takes
 * ids of up to 256 UTF-16 units (at most 768 UTF-8 bytes), and the library prefixes some keys
 * (`enqueued:`, `replay:`): 1,024 bytes hold both, within InnoDB's 3,072-byte key limit.
 */
const ID_TYPE = 'VARBINARY(1024)';
const ID_COLUMN = `${ID_TYPE} NOT NULL`;
/** profile_id is indexed as utf8mb4 (4 bytes a character): a longer one is not recorded. */
const PROFILE_ID_CHARS = 256;

/** The far-future expiry of an id whose dead letter exists: it is remembered until the letter goes. */
const PINNED = "'9999-12-31 00:00:00'";

/**
 * The statements `migrate()` runs on a new database, one per array element (mysql2 runs one
 * statement per query unless `multipleStatements` is on), for teams that apply migrations with
 * their own tool. Upgrading tables made by an earlier version also needs the columns
 * `migrate()` adds (event, profile_id, done_at, owner, started, fingerprint on the ids table;
 * profile_id on the dead letters) and the id columns turned into `VARBINARY(1024)` (they were
 * `VARCHAR(256)` in a padding collation): run `migrate()` once, or change them as it does.
 */
export function mysqlSchemaSql(
  table = 'passfort_webhook_ids',
  deadLetterTable = 'passfort_webhook_dead_letters',
  // The store's own default: beside a table of another name, its own effects table.
  effectTable = table === 'passfort_webhook_ids' ? 'passfort_webhook_effects' : `${table}_effects`,
): string[] {
  for (const name of [table, deadLetterTable, effectTable]) {
    if (!IDENTIFIER.test(name)) throw new ConfigurationError(`Invalid MySQL table name: ${name}`);
  }
  return [
    `CREATE TABLE IF NOT EXISTS ${table} (
  id ${ID_COLUMN} PRIMARY KEY,
  state VARCHAR(8) NOT NULL,
  lease_until DATETIME(3) NULL,
  attempts INT NOT NULL DEFAULT 0,
  expires_at DATETIME(3) NOT NULL,
  claim_token CHAR(36) NULL,
  effect_at DATETIME(3) NULL,
  effect_result LONGTEXT NULL,
  event VARCHAR(256) NULL,
  profile_id VARBINARY(1024) NULL,
  done_at DATETIME(3) NULL,
  owner VARCHAR(255) NULL,
  started TINYINT NULL,
  fingerprint VARCHAR(300) NULL,
  INDEX expires_at (expires_at),
  INDEX profile_done (profile_id, done_at)
) ENGINE=InnoDB`,
    `CREATE TABLE IF NOT EXISTS ${deadLetterTable} (
  id ${ID_COLUMN} PRIMARY KEY,
  event VARCHAR(256) NOT NULL,
  webhook LONGTEXT NOT NULL,
  reason VARCHAR(32) NOT NULL,
  error TEXT NOT NULL,
  attempts INT NOT NULL,
  failed_at BIGINT NOT NULL,
  profile_id VARBINARY(1024) NULL,
  INDEX failed_at (failed_at, id)
) ENGINE=InnoDB`,
    `CREATE TABLE IF NOT EXISTS ${effectTable} (
  id ${ID_COLUMN} PRIMARY KEY,
  effect_at DATETIME(3) NOT NULL,
  result LONGTEXT NULL
) ENGINE=InnoDB`,
    // Versions before 0.6 recorded effects on the ids table.
    `INSERT IGNORE INTO ${effectTable} (id, effect_at, result)
  SELECT id, effect_at, effect_result FROM ${table} WHERE effect_at IS NOT NULL`,
    // A dead letter's id is remembered while the letter exists, so a late replay finds its effect.
    `UPDATE ${table} SET expires_at = ${PINNED}
  WHERE id IN (SELECT id FROM ${deadLetterTable}) AND expires_at < ${PINNED}`,
  ];
}

/** Columns added since the first version of the tables, for `migrate()` to add when missing. */
const ADDED_COLUMNS = {
  ids: [
    ['event', 'VARCHAR(256) NULL'],
    ['profile_id', 'VARBINARY(1024) NULL'],
    ['done_at', 'DATETIME(3) NULL'],
    ['owner', 'VARCHAR(255) NULL'],
    ['started', 'TINYINT NULL'],
    ['fingerprint', 'VARCHAR(300) NULL'],
  ],
  dead: [['profile_id', 'VARBINARY(1024) NULL']],
  effects: [],
} as const;

/**
 * A {@link DedupeStore} on MySQL 8 or MariaDB 10.5+ through `mysql2`, with `ctx.transaction`.
 * A batch claim is one `INSERT … ON DUPLICATE KEY UPDATE` plus one read, whatever the batch
 * size; row locks make exactly one concurrent claimer win each id, recognised by a token
 * unique to its claim. Times are the database's clock. Tables are created by an explicit
 * `migrate()` (or the statements of {@link mysqlSchemaSql}), never on a request.
 *
 * @example
 * import mysql from 'mysql2/promise';
 * import { mysqlStore } from '@passfort-webhooks/core/mysql';
 * const store = mysqlStore({ pool: mysql.createPool(process.env.DATABASE_URL!) });
 * await store.migrate();
 */
export function mysqlStore<P extends MysqlPool>(
  options: MysqlStoreOptions<P>,
): MysqlStore<MysqlConnectionOf<P>> {
  refuseUnknownOptions('mysqlStore', options, MYSQL_STORE_OPTIONS);
  if (
    typeof options?.pool?.query !== 'function' ||
    typeof options.pool.getConnection !== 'function'
  ) {
    throw new ConfigurationError(
      "mysqlStore needs a mysql2 promise Pool: mysqlStore({ pool: mysql.createPool(url) }) with mysql from 'mysql2/promise'",
    );
  }
  const { pool } = options;
  const logger = resolveLogger(options.logger);
  surviveConnectionErrors(pool, logger);
  const table = options.table ?? 'passfort_webhook_ids';
  const deadTable = options.deadLetterTable ?? 'passfort_webhook_dead_letters';
  // Beside a table of another name, its own effects table: two stores never share records.
  const effectTable =
    options.effectTable ??
    (options.table === undefined ? 'passfort_webhook_effects' : `${table}_effects`);
  const schema = mysqlSchemaSql(table, deadTable, effectTable);
  const retentionMs = options.retentionMs ?? DEFAULT_RETENTION_MS;
  const pruneIntervalMs = options.pruneIntervalMs ?? 600_000;
  const lockWaitMs = options.transactionLockWaitMs ?? 60_000;
  const retentionUs = retentionMs * 1000;

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

  function explained(error: unknown): unknown {
    const code = (error as { code?: unknown }).code;
    if (code === 'ER_NO_SUCH_TABLE') {
      return new StoreUnavailableError(
        `The dedupe tables ${table} / ${deadTable} / ${effectTable} do not exist: did you call \`await store.migrate()\` (or apply mysqlSchemaSql()) at start-up? After an upgrade, run it again`,
        { cause: error },
      );
    }
    if (code === 'ER_BAD_FIELD_ERROR') {
      return new StoreUnavailableError(
        `The dedupe table ${table} lacks a column this version uses: run \`await store.migrate()\` (or apply mysqlSchemaSql()) again after upgrading`,
        { cause: error },
      );
    }
    return error;
  }

  async function query<Row = Record<string, unknown>>(
    sql: string,
    values?: unknown[],
    on: MysqlQueryable = pool,
  ): Promise<Row[] & { affectedRows?: number; info?: string }> {
    try {
      const [result] = await on.query(sql, values);
      return result as Row[] & { affectedRows?: number; info?: string };
    } catch (error) {
      throw explained(error);
    }
  }

  /** Runs `work` in a transaction on one connection of the pool. */
  async function inTransaction<T>(
    work: (connection: MysqlPoolConnection) => Promise<T>,
  ): Promise<T> {
    const connection = await pool.getConnection();
    let broken = false;
    try {
      await connection.beginTransaction();
      const result = await work(connection);
      await connection.commit();
      return result;
    } catch (error) {
      await connection.rollback().catch(() => {
        broken = true;
      });
      throw error;
    } finally {
      // A connection whose rollback failed is in an unknown state: never reuse it.
      if (broken) connection.destroy();
      else connection.release();
    }
  }

  /**
   * Deletes the ids whose retention passed, and effect records whose id is no longer
   * remembered. An id with a dead letter stays whatever its expiry says (a table from an
   * earlier version may not have it pinned yet), and so does its effect record: a replay of
   * the letter must find it.
   */
  async function prune(): Promise<number> {
    const result = await query(
      `DELETE FROM ${table} WHERE expires_at < NOW(3)
  AND id NOT IN (SELECT id FROM ${deadTable})`,
    );
    await query(
      `DELETE e FROM ${effectTable} e
  LEFT JOIN ${table} w ON w.id = e.id LEFT JOIN ${deadTable} d ON d.id = e.id
  WHERE w.id IS NULL AND d.id IS NULL AND e.effect_at < NOW(3) - INTERVAL ? MICROSECOND`,
      [retentionUs],
    );
    return result.affectedRows ?? 0;
  }

  /**
   * Refuses tables on an engine that cannot roll back (MyISAM, MEMORY, Aria…): there a
   * transaction that fails after writing keeps its writes, and an effect could happen twice.
   * At `migrate()`, and once before the store's first use (a table someone made by hand).
   */
  async function checkEngines(): Promise<void> {
    const names = [table, deadTable, effectTable].map((name) => name.split('.'));
    const rows = await query<{
      schema_name: string;
      name: string;
      engine: string;
      tx: string | null;
    }>(
      `SELECT t.TABLE_SCHEMA AS schema_name, t.TABLE_NAME AS name, t.ENGINE AS engine, e.TRANSACTIONS AS tx
FROM information_schema.TABLES t LEFT JOIN information_schema.ENGINES e ON e.ENGINE = t.ENGINE
WHERE (t.TABLE_SCHEMA, t.TABLE_NAME) IN (${names.map(() => '(COALESCE(?, DATABASE()), ?)').join(', ')})`,
      names.flatMap((parts) => (parts.length === 2 ? parts : [null, parts[0]])),
    );
    const unsafe = rows.filter((row) => row.tx !== 'YES');
    if (unsafe.length > 0) {
      throw new ConfigurationError(
        `mysqlStore's tables must be on a transactional engine (InnoDB): ${unsafe.map((row) => `${row.name} is ${row.engine}`).join(', ')}. On a table that cannot roll back, a failed transaction keeps its writes and a webhook's effect can happen twice. Run ${unsafe.map((row) => `ALTER TABLE ${row.name} ENGINE=InnoDB`).join('; ')}`,
      );
    }
  }
  let enginesChecked: Promise<void> | undefined;
  function enginesSafe(): Promise<void> {
    enginesChecked ??= checkEngines().catch((error: unknown) => {
      enginesChecked = undefined; // a lost connection is checked again; a wrong engine fails again
      throw error;
    });
    return enginesChecked;
  }

  /**
   * Upgrades an earlier version's tables: adds the columns they lack (MySQL 8 has no ADD COLUMN
   * IF NOT EXISTS), and turns an id column of another type (VARCHAR(256) in a padding
   * collation, before 0.9) into the exact bytes of {@link ID_TYPE}. Two ids that collided under
   * padding could not both be stored before, so the conversion meets no duplicate.
   */
  async function addMissingColumns(): Promise<void> {
    for (const [key, name] of [
      ['ids', table],
      ['dead', deadTable],
      ['effects', effectTable],
    ] as const) {
      const parts = name.split('.');
      const present = await query<{ name: string; type: string; length: unknown }>(
        `SELECT COLUMN_NAME AS name, DATA_TYPE AS type, CHARACTER_MAXIMUM_LENGTH AS length
FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = COALESCE(?, DATABASE()) AND TABLE_NAME = ?`,
        parts.length === 2 ? parts : [null, parts[0]],
      );
      const have = new Map(present.map((row) => [String(row.name).toLowerCase(), row]));
      for (const [column, type] of ADDED_COLUMNS[key]) {
        if (!have.has(column)) await pool.query(`ALTER TABLE ${name} ADD COLUMN ${column} ${type}`);
      }
      if (key === 'ids' && !have.has('profile_id')) {
        await pool.query(`ALTER TABLE ${name} ADD INDEX profile_done (profile_id, done_at)`);
      }
      const id = have.get('id');
      if (
        id !== undefined &&
        (String(id.type).toLowerCase() !== 'varbinary' || Number(id.length) < 1024)
      ) {
        await pool.query(`ALTER TABLE ${name} MODIFY id ${ID_COLUMN}`);
      }
    }
  }

  let sessionMarks: string | undefined;
  /** @@in_transaction is MariaDB's; MySQL 8 has no such variable, and is not told apart then. */
  async function marksSql(connection: MysqlPoolConnection): Promise<string> {
    if (sessionMarks === undefined) {
      const inTransaction = await query('SELECT @@in_transaction', [], connection).then(
        () => '@@in_transaction',
        () => 'NULL',
      );
      sessionMarks = `SELECT ${inTransaction} AS pfw_transaction, CONCAT_WS('|', CURRENT_USER(), @@autocommit,
  @@sql_mode, @@time_zone, @@foreign_key_checks, @@unique_checks, @@character_set_client,
  @@collation_connection, @@innodb_lock_wait_timeout, @@lock_wait_timeout) AS pfw_session`;
    }
    return sessionMarks;
  }
  async function marks(connection: MysqlPoolConnection) {
    const [row] = await query<{ pfw_transaction: unknown; pfw_session: unknown }>(
      await marksSql(connection),
      [],
      connection,
    );
    return {
      transaction: row?.pfw_transaction == null ? undefined : String(row.pfw_transaction),
      session: String(row?.pfw_session),
    };
  }

  const dialect: TransactionDialect<MysqlPoolConnection> = {
    async connect() {
      await enginesSafe();
      return pool.getConnection();
    },
    release(connection, discard) {
      if (discard) connection.destroy();
      else connection.release();
    },
    async tryLock(connection, key) {
      const [row] = await query<{ locked: number | null }>(
        'SELECT GET_LOCK(?, 0) AS locked',
        [lockName(key)],
        connection,
      );
      return Number(row?.locked) === 1;
    },
    async unlock(connection, key) {
      await query('SELECT RELEASE_LOCK(?)', [lockName(key)], connection);
    },
    async readEffect(connection, id) {
      // The claim's holder in the same read: no round trip added to see a taken-over claim.
      const [row] = await query<{ committed: number; result: string | null; holder: unknown }>(
        `SELECT e.id IS NOT NULL AS committed, e.result, w.owner AS holder
FROM (SELECT 1) one LEFT JOIN ${effectTable} e ON e.id = ? LEFT JOIN ${table} w ON w.id = ?`,
        [id, id],
        connection,
      );
      const holder = typeof row?.holder === 'string' ? row.holder : undefined;
      return Number(row?.committed) !== 1
        ? { committed: false, result: undefined, holder }
        : { committed: true, result: recordedResult(row!.result), holder };
    },
    async begin(connection, isolation) {
      // For the next transaction only: the session's own level is left as the app set it.
      await connection.query(`SET TRANSACTION ISOLATION LEVEL ${isolation.toUpperCase()}`);
      await connection.beginTransaction();
    },
    marks,
    async outcomeOf() {
      return 'unknown'; // MySQL keeps no record of an ended transaction's outcome
    },
    // Statements that end the transaction, or commit it implicitly (DDL, LOCK TABLES, a
    // nested BEGIN): https://mariadb.com/kb/en/sql-statements-that-cause-an-implicit-commit/
    forbidden:
      /^(?:BEGIN|START\s+TRANSACTION|COMMIT|ROLLBACK(?!\s+TO)|XA\s|LOCK\s+TABLES?|UNLOCK\s+TABLES?|SET\s+(?:(?:SESSION|@@SESSION\.|@@)\s*)?autocommit|(?:CREATE|ALTER|DROP|RENAME|TRUNCATE)\s|(?:ANALYZE|OPTIMIZE|REPAIR|CHECK)\s+TABLE|FLUSH\s|LOAD\s+(?:DATA|INDEX)|GRANT\s|REVOKE\s)/i,
    async record(connection, id, result, owner) {
      // Refused (nothing inserted) when another owner holds the claim now.
      const inserted = await query(
        `INSERT INTO ${effectTable} (id, effect_at, result)
SELECT ?, NOW(3), ? FROM DUAL WHERE NOT EXISTS (
  SELECT 1 FROM ${table} WHERE id = ? AND owner IS NOT NULL AND owner <> ?)`,
        [id, result, id, owner ?? null],
        connection,
      );
      return (inserted.affectedRows ?? 0) > 0;
    },
    async commit(connection) {
      await connection.commit();
    },
    async rollback(connection): Promise<'kept-writes' | undefined> {
      await connection.rollback();
      const warnings = await query<{ Code: number }>('SHOW WARNINGS', [], connection);
      // 1196: "Some non-transactional changed tables couldn't be rolled back"
      return warnings.some((warning) => Number(warning.Code) === 1196) ? 'kept-writes' : undefined;
    },
    isRetryable(error) {
      const errno = (error as { errno?: unknown } | null)?.errno;
      return errno === 1213 || errno === 1020; // deadlock; record changed since read (MariaDB)
    },
    explain: explained,
  };
  const lockPrefix = `${table}\u0000`;

  let timer: ReturnType<typeof setInterval> | undefined;
  if (pruneIntervalMs > 0) {
    timer = setInterval(() => {
      prune().catch(() => {}); // the next run tries again; expired rows are never read as done
    }, pruneIntervalMs);
    timer.unref?.();
  }

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
    const ours = '(owner IS NULL OR VALUES(owner) IS NULL OR owner = VALUES(owner))';
    const written = await query(
      `INSERT INTO ${table} (id, state, lease_until, attempts, expires_at, event, profile_id, done_at, owner) VALUES ${sorted
        .map(
          () =>
            "(?, 'done', NULL, 0, NOW(3) + INTERVAL ? MICROSECOND, ?, ?, COALESCE(FROM_UNIXTIME(? / 1000), NOW(3)), ?)",
        )
        .join(', ')}
ON DUPLICATE KEY UPDATE state = IF(${ours}, 'done', state),
  lease_until = IF(${ours}, NULL, lease_until),
  expires_at = IF(${ours}, VALUES(expires_at), expires_at),
  event = IF(${ours}, COALESCE(VALUES(event), event), event),
  profile_id = IF(${ours}, COALESCE(VALUES(profile_id), profile_id), profile_id),
  done_at = IF(${ours}, VALUES(done_at), done_at),
  owner = IF(${ours}, COALESCE(VALUES(owner), owner), owner)`,
      values,
    );
    if (owner === null || unchangedRows(written, sorted.length) === 0) return [];
    const rows = await query<{ id: unknown }>(
      `SELECT id FROM ${table} WHERE id IN (?) AND owner IS NOT NULL AND owner <> ?`,
      [ids, owner],
    );
    return rows.map((row) => idText(row.id));
  }

  const letterColumns = 'id, event, webhook, reason, error, attempts, failed_at, profile_id';
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

  return {
    async migrate() {
      for (const statement of schema.slice(0, 3)) await pool.query(statement);
      // Before changing anything: a table on the wrong engine is the user's to convert.
      enginesChecked = undefined;
      await enginesSafe();
      await addMissingColumns();
      for (const statement of schema.slice(3)) await pool.query(statement);
    },
    prune,
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
      await query(
        `INSERT INTO ${table} (id, state, lease_until, attempts, expires_at, claim_token, owner, started, fingerprint) VALUES ${order
          .map(
            () =>
              "(?, 'claimed', NOW(3) + INTERVAL ? MICROSECOND, ?, NOW(3) + INTERVAL ? MICROSECOND, ?, ?, ?, ?)",
          )
          .join(', ')} ${claimUpdate}`,
        values,
      );
      const rows = await query<{
        id: unknown;
        attempts: number;
        started: unknown;
        mine: number;
        done: number;
        fingerprint: unknown;
      }>(
        `SELECT id, attempts, started, claim_token <=> ? AS mine,
  (state = 'done' AND expires_at > NOW(3)) AS done, fingerprint
FROM ${table} WHERE id IN (?)`,
        [token, ids],
      );
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
          : query(
              `UPDATE ${table} SET started = 1, attempts = attempts + 1
WHERE id = ? AND state = 'claimed' AND started = 0 AND lease_until > NOW(3)
  AND (owner IS NULL OR ? IS NULL OR owner = ?)`,
              [started, owner ?? null, owner ?? null],
            );
      const refused = ids.length === 0 ? [] : await completeIds(ids, options);
      await marked;
      return { refused };
    },
    async release(ids, { failed = false, owner } = {}) {
      if (ids.length === 0) return;
      // failed: the handlers ran, their run is counted if it was not; else they never started,
      // and a run counted is taken back. A released claim is nobody's.
      await query(
        `UPDATE ${table} SET
  attempts = attempts + IF(?, IF(COALESCE(started, 1) = 1, 0, 1), IF(COALESCE(started, 1) = 1, -1, 0)),
  state = 'released', lease_until = NULL, started = 0, owner = NULL
WHERE id IN (?) AND state = 'claimed' AND (owner IS NULL OR ? IS NULL OR owner = ?)`,
        [failed ? 1 : 0, ids, owner ?? null, owner ?? null],
      );
    },
    async renew(ids, { leaseMs, owner }) {
      if (ids.length === 0) return;
      // Live claims of this owner only: an ended lease may already be someone else's to take.
      await query(
        `UPDATE ${table} SET lease_until = NOW(3) + INTERVAL ? MICROSECOND
WHERE id IN (?) AND state = 'claimed' AND lease_until > NOW(3)
  AND (owner IS NULL OR ? IS NULL OR owner = ?)`,
        [leaseMs * 1000, ids, owner ?? null, owner ?? null],
      );
    },
    async addDeadLetter(letter) {
      await inTransaction(async (connection) => {
        // The id is remembered while its letter exists: a replay weeks later must find the
        // effect its transaction recorded, and a redelivery must still be a duplicate.
        await query(
          `INSERT INTO ${table} (id, state, lease_until, attempts, expires_at)
VALUES (?, 'done', NULL, ?, ${PINNED})
ON DUPLICATE KEY UPDATE state = 'done', lease_until = NULL, expires_at = VALUES(expires_at), done_at = NULL`,
          [letter.id, letter.attempts],
          connection,
        );
        await query(
          `INSERT INTO ${deadTable} (${letterColumns}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
ON DUPLICATE KEY UPDATE event = VALUES(event), webhook = VALUES(webhook), reason = VALUES(reason),
  error = VALUES(error), attempts = VALUES(attempts), failed_at = VALUES(failed_at),
  profile_id = VALUES(profile_id)`,
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
        `SELECT id, event, UNIX_TIMESTAMP(done_at) * 1000 AS at, COUNT(*) OVER () AS n
FROM ${table}
WHERE profile_id = ? AND state = 'done' AND done_at > FROM_UNIXTIME(? / 1000) AND id <> ?
ORDER BY done_at, id LIMIT ?`,
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
      const rows = await query(
        `SELECT ${letterColumns} FROM ${deadTable} ORDER BY failed_at, id LIMIT ?`,
        [limit],
      );
      return rows.map(toLetter);
    },
    async getDeadLetter(id) {
      const rows = await query(`SELECT ${letterColumns} FROM ${deadTable} WHERE id = ?`, [id]);
      return rows[0] === undefined ? undefined : toLetter(rows[0]);
    },
    async deleteDeadLetter(id) {
      return inTransaction(async (connection) => {
        const result = await query(`DELETE FROM ${deadTable} WHERE id = ?`, [id], connection);
        if ((result.affectedRows ?? 0) === 0) return false;
        // Once the letter is gone, its id is remembered for the retention from now.
        await query(
          `UPDATE ${table} SET expires_at = NOW(3) + INTERVAL ? MICROSECOND WHERE id = ? AND expires_at >= ${PINNED}`,
          [retentionUs, id],
          connection,
        );
        return true;
      });
    },
    async countDeadLetters() {
      const rows = await query<{ n: number }>(`SELECT COUNT(*) AS n FROM ${deadTable}`);
      return Number(rows[0]?.n ?? 0);
    },
    transactOnce(id, effect, options) {
      return transactOnce(
        dialect,
        { lockWaitMs, lockPrefix },
        id,
        effect as (tx: MysqlPoolConnection) => Promise<never>,
        options,
      );
    },
    close() {
      if (timer !== undefined) clearInterval(timer);
    },
  };
}

/**
 * mysql2 emits a connection's failure (the server restarted, a connection killed) as an
 * `error` event on that connection; a pool's idle connections are removed from it, but an
 * emitter with no listener ends the process. Unless the app listens itself, the store does
 * on every connection the pool opens, and logs it.
 */
function surviveConnectionErrors(pool: MysqlPool, logger: Logger): void {
  const emitter = (pool as unknown as { pool?: unknown }).pool ?? pool;
  const events = emitter as {
    on?(event: string, listener: (connection: unknown) => void): unknown;
  };
  if (typeof events.on !== 'function') return;
  events.on('connection', (connection) => {
    const each = connection as {
      on?(event: 'error', listener: (error: unknown) => void): unknown;
      listenerCount?(event: string): number;
    };
    if (typeof each.on !== 'function') return;
    each.on('error', (error) => {
      logger.warn?.(
        { error: describeError(error) },
        'a MySQL pool connection failed; the pool opens a new one for the next query',
      );
    });
  });
}

const utf8 = new TextDecoder();

/** An id as read back: the column holds bytes, which mysql2 hands over as a Buffer. */
function idText(value: unknown): string {
  return value instanceof Uint8Array ? utf8.decode(value) : String(value);
}

/**
 * How many rows of a multi-row `INSERT … ON DUPLICATE KEY UPDATE` of `count` rows were left
 * unchanged, from the server's counts ("Records: n  Duplicates: d", affected rows): an inserted
 * row counts 1, an updated one 2, an unchanged one 1 with the FOUND_ROWS flag (mysql2's
 * default) and 0 without; without it the answer is twice the true one, which is all the caller
 * asks (whether any). When the counts are missing, every duplicate may be unchanged.
 */
function unchangedRows(result: { affectedRows?: number; info?: string }, count: number): number {
  const duplicates = /Duplicates:\s*(\d+)/.exec(result.info ?? '');
  if (duplicates === null || result.affectedRows === undefined) return count;
  const duplicated = Number(duplicates[1]);
  const inserted = count - duplicated;
  const changed = result.affectedRows - inserted - duplicated;
  return duplicated - changed;
}

/** A named lock for a lock key: MySQL's names are at most 64 characters, so a digest of it. */
function lockName(key: string): string {
  return `pfw:${createHash('sha1').update(key).digest('hex')}`;
}
