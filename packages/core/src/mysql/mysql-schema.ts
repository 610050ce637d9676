import { ConfigurationError } from '../errors/configuration-error.js';
import { TABLE_NAME } from '../stores/table-name.js';

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
export const PROFILE_ID_CHARS = 256;

/** The far-future expiry of an id whose dead letter exists: it is remembered until the letter goes. */
export const PINNED = "'9999-12-31 00:00:00'";

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
    if (!TABLE_NAME.test(name)) throw new ConfigurationError(`Invalid MySQL table name: ${name}`);
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
export const ADDED_COLUMNS = {
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

/** The statements `migrate()` reads an existing database with, and upgrades its tables by. */
export const mysqlMigrationSql = {
  /** Each table's engine and whether it can roll back; two values per table (schema, name). */
  engines: (tableCount: number) =>
    `SELECT t.TABLE_SCHEMA AS schema_name, t.TABLE_NAME AS name, t.ENGINE AS engine, e.TRANSACTIONS AS tx
FROM information_schema.TABLES t LEFT JOIN information_schema.ENGINES e ON e.ENGINE = t.ENGINE
WHERE (t.TABLE_SCHEMA, t.TABLE_NAME) IN (${Array.from({ length: tableCount }, () => '(COALESCE(?, DATABASE()), ?)').join(', ')})`,
  /** A table's columns; values: schema (or null for the current database), name. */
  columns: `SELECT COLUMN_NAME AS name, DATA_TYPE AS type, CHARACTER_MAXIMUM_LENGTH AS length
FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = COALESCE(?, DATABASE()) AND TABLE_NAME = ?`,
  addColumn: (table: string, column: string, type: string) =>
    `ALTER TABLE ${table} ADD COLUMN ${column} ${type}`,
  addProfileIndex: (table: string) =>
    `ALTER TABLE ${table} ADD INDEX profile_done (profile_id, done_at)`,
  /** An id column of another type (VARCHAR(256) in a padding collation, before 0.9) to exact bytes. */
  exactIds: (table: string) => `ALTER TABLE ${table} MODIFY id ${ID_COLUMN}`,
};
