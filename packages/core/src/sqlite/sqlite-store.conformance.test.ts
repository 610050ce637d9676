import { describe, it } from 'vitest';
import {
  dedupeStoreConformanceCases,
  loopGuardStoreConformanceCases,
  transactionalStoreConformanceCases,
} from '../../../testing/src/conformance/index.js';
import {
  type OpenedSqliteDriver,
  sqliteDrivers,
  temporaryDatabase,
} from '../../test/sqlite/sqlite-drivers.js';
import type { SqliteDriver } from './sqlite-driver.js';
import { sqliteLoopGuardStore } from './sqlite-loop-guard-store.js';
import { sqliteStore } from './sqlite-store.js';

for (const kind of sqliteDrivers()) {
  /** A database file for one case, every driver opened on it, and their removal. */
  const opened = () => {
    const database = temporaryDatabase();
    const drivers: OpenedSqliteDriver[] = [];
    const driver = () => {
      const each = kind.open(database.file);
      drivers.push(each);
      return each.driver;
    };
    const remove = async () => {
      for (const each of drivers) await each.close();
      database.remove();
    };
    return { driver, remove };
  };

  describe(`sqliteStore on ${kind.name} (the public DedupeStore kit)`, () => {
    const cases = dedupeStoreConformanceCases(async ({ retentionMs }) => {
      const { driver, remove } = opened();
      const store = sqliteStore({ driver: driver(), retentionMs });
      await store.migrate();
      return {
        store,
        another: async () => sqliteStore({ driver: driver(), retentionMs }),
        async cleanup() {
          await store.close?.();
          await remove();
        },
      };
    });
    for (const check of cases) it(check.name, check.run);
  });

  describe(`sqliteStore on ${kind.name} (the public transactional kit)`, () => {
    const cases = transactionalStoreConformanceCases<unknown>(
      async (options) => {
        const { driver, remove } = opened();
        const main = driver();
        const retentionMs = options?.retentionMs;
        const open = (d: SqliteDriver) =>
          sqliteStore({ driver: d, ...(retentionMs === undefined ? {} : { retentionMs }) });
        const store = open(main);
        await store.migrate();
        await main.exec(
          'CREATE TABLE effects (seq INTEGER PRIMARY KEY AUTOINCREMENT, webhook_id TEXT)',
        );
        return {
          store,
          another: async () => open(driver()),
          insertEffect: (tx, id) => kind.insertEffect(tx, id),
          async effects() {
            const rows = await main.query('SELECT webhook_id FROM effects ORDER BY seq');
            return rows.map((row) => row['webhook_id'] as string);
          },
          async cleanup() {
            await store.close?.();
            await remove();
          },
        };
      },
      // SQLite has one writer: nobody takes over the claim of an open transaction.
      { singleWriter: true },
    );
    for (const check of cases) it(check.name, check.run);
  });

  describe(`sqliteLoopGuardStore on ${kind.name} (the public LoopGuardStore kit)`, () => {
    const cases = loopGuardStoreConformanceCases(async () => {
      const { driver, remove } = opened();
      const store = sqliteLoopGuardStore({ driver: driver() });
      await store.migrate();
      return {
        store,
        another: async () => sqliteLoopGuardStore({ driver: driver() }),
        cleanup: remove,
      };
    });
    for (const check of cases) it(check.name, check.run);
  });
}
