import { ConfigurationError } from '../errors/configuration-error.js';
import type { MysqlPool } from './mysql-pool.js';
import type { MysqlQuery } from './mysql-query.js';
import { ADDED_COLUMNS, mysqlMigrationSql } from './mysql-schema.js';
import type { MysqlTables } from './mysql-statements.js';

/** What {@link mysqlMigrator} gives the store. */
export interface MysqlMigrator {
  /** Creates the tables, checks their engine, adds what an earlier version lacked. */
  migrate(): Promise<void>;
  /** Resolves once the tables are known to be on a transactional engine (checked once). */
  enginesSafe(): Promise<void>;
}

/**
 * A store's schema management: `migrate()` with the statements of `schema` (those of
 * `mysqlSchemaSql` for the store's tables), and the engine check every first use waits for.
 */
export function mysqlMigrator(
  pool: MysqlPool,
  query: MysqlQuery,
  { table, deadTable, effectTable }: MysqlTables,
  schema: readonly string[],
): MysqlMigrator {
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
      mysqlMigrationSql.engines(names.length),
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
   * collation, before 0.9) into exact bytes (`VARBINARY(1024)`). Two ids that collided under
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
        mysqlMigrationSql.columns,
        parts.length === 2 ? parts : [null, parts[0]],
      );
      const have = new Map(present.map((row) => [String(row.name).toLowerCase(), row]));
      for (const [column, type] of ADDED_COLUMNS[key]) {
        if (!have.has(column)) await pool.query(mysqlMigrationSql.addColumn(name, column, type));
      }
      if (key === 'ids' && !have.has('profile_id')) {
        await pool.query(mysqlMigrationSql.addProfileIndex(name));
      }
      const id = have.get('id');
      if (
        id !== undefined &&
        (String(id.type).toLowerCase() !== 'varbinary' || Number(id.length) < 1024)
      ) {
        await pool.query(mysqlMigrationSql.exactIds(name));
      }
    }
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
    enginesSafe,
  };
}
