// The public dedupe, transactional and loop-guard kits on the SQLite store, run by Bun on its
// built-in bun:sqlite, or by Deno on its node:sqlite: the built packages as a user of that
// runtime imports them, every case on a fresh database file in a temporary directory that is
// removed after it. Prints one JSON line: { runtime, passed: [names], failed: [{ name, error }] }.
// Run from packages/core: `bun test/sqlite/sqlite-kits-in-runtime.mjs`, or
// `deno run --allow-read --allow-write --allow-env --allow-sys test/sqlite/sqlite-kits-in-runtime.mjs`.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  bunSqliteDriver,
  nodeSqliteDriver,
  sqliteLoopGuardStore,
  sqliteStore,
} from '@passfort-webhooks/core/sqlite';
import {
  dedupeStoreConformanceCases,
  loopGuardStoreConformanceCases,
  transactionalStoreConformanceCases,
} from '../../../testing/dist/conformance.js'; // built: core does not depend on testing

const runtime = typeof globalThis.Bun === 'undefined' ? 'deno' : 'bun';
const openDatabase =
  runtime === 'bun'
    ? await import('bun:sqlite').then(
        ({ Database }) =>
          (file) =>
            new Database(file),
      )
    : await import('node:sqlite').then(
        ({ DatabaseSync }) =>
          (file) =>
            new DatabaseSync(file),
      );
const driverOn = runtime === 'bun' ? bunSqliteDriver : nodeSqliteDriver;

/** A database file for one case, every driver opened on it, and their removal. */
function opened() {
  const dir = mkdtempSync(join(tmpdir(), `pfw-${runtime}-sqlite-`));
  const file = join(dir, 'webhooks.db');
  const drivers = [];
  return {
    driver() {
      const driver = driverOn({ open: () => openDatabase(file) });
      drivers.push(driver);
      return driver;
    },
    async remove() {
      for (const driver of drivers) await driver.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const kits = {
  dedupe: dedupeStoreConformanceCases(async ({ retentionMs }) => {
    const { driver, remove } = opened();
    const store = sqliteStore({ driver: driver(), retentionMs });
    await store.migrate();
    return {
      store,
      another: async () => sqliteStore({ driver: driver(), retentionMs }),
      async cleanup() {
        await store.close();
        await remove();
      },
    };
  }),
  transactional: transactionalStoreConformanceCases(
    async (options) => {
      const { driver, remove } = opened();
      const main = driver();
      const retention =
        options?.retentionMs === undefined ? {} : { retentionMs: options.retentionMs };
      const store = sqliteStore({ driver: main, ...retention });
      await store.migrate();
      await main.exec(
        'CREATE TABLE effects (seq INTEGER PRIMARY KEY AUTOINCREMENT, webhook_id TEXT)',
      );
      return {
        store,
        another: async () => sqliteStore({ driver: driver(), ...retention }),
        // fn receives the driver's own connection: bun:sqlite's Database, node:sqlite's DatabaseSync.
        insertEffect: async (tx, id) => {
          tx.prepare('INSERT INTO effects (webhook_id) VALUES (?)').run(id);
        },
        async effects() {
          const rows = await main.query('SELECT webhook_id FROM effects ORDER BY seq');
          return rows.map((row) => row.webhook_id);
        },
        async cleanup() {
          await store.close();
          await remove();
        },
      };
    },
    { singleWriter: true },
  ),
  'loop-guard': loopGuardStoreConformanceCases(async () => {
    const { driver, remove } = opened();
    const store = sqliteLoopGuardStore({ driver: driver() });
    await store.migrate();
    return {
      store,
      another: async () => sqliteLoopGuardStore({ driver: driver() }),
      cleanup: remove,
    };
  }),
};

const passed = [];
const failed = [];
for (const [kit, cases] of Object.entries(kits)) {
  for (const check of cases) {
    const name = `${kit}: ${check.name}`;
    try {
      await check.run();
      passed.push(name);
    } catch (error) {
      failed.push({ name, error: String(error?.stack ?? error).slice(0, 2_000) });
    }
  }
}
console.log(JSON.stringify({ runtime, passed, failed }));
// A store's timers are unref'd, but a runtime may keep a handle of its own: the verdict is out.
process.exit(failed.length === 0 ? 0 : 1);
