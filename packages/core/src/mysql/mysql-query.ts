import { StoreUnavailableError } from '../errors/store-unavailable-error.js';
import type { MysqlPool, MysqlPoolConnection, MysqlQueryable } from './mysql-pool.js';
import type { MysqlTables } from './mysql-statements.js';

/** A statement's rows, with the server's counts of a write. */
export type MysqlRows<Row> = Row[] & { affectedRows?: number; info?: string };

/** Runs a statement on the pool, or on `on`, and explains a missing table or column. */
export type MysqlQuery = <Row = Record<string, unknown>>(
  sql: string,
  values?: unknown[],
  on?: MysqlQueryable,
) => Promise<MysqlRows<Row>>;

/** A missing table or column as what to do about it; any other error as it is. */
export function explainMysqlError(
  error: unknown,
  { table, deadTable, effectTable }: MysqlTables,
): unknown {
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

/** The store's way to run a statement, for a store's pool and tables. */
export function mysqlQuery(pool: MysqlQueryable, tables: MysqlTables): MysqlQuery {
  return async <Row = Record<string, unknown>>(
    sql: string,
    values?: unknown[],
    on: MysqlQueryable = pool,
  ): Promise<MysqlRows<Row>> => {
    try {
      const [result] = await on.query(sql, values);
      return result as MysqlRows<Row>;
    } catch (error) {
      throw explainMysqlError(error, tables);
    }
  };
}

/** Runs `work` in a transaction on one connection of the pool. */
export async function inMysqlTransaction<T>(
  pool: MysqlPool,
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

const utf8 = new TextDecoder();

/** An id as read back: the column holds bytes, which mysql2 hands over as a Buffer. */
export function idText(value: unknown): string {
  return value instanceof Uint8Array ? utf8.decode(value) : String(value);
}
