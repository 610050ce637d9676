// Child process of sqlite-store-bench: the RSS growth of a receiver with the SQLite store (a
// local WAL file, through libsql or better-sqlite3) once it has handled N fresh webhooks in
// batches of 100. The ids live in the file, so what the process holds should not grow with
// them: SQLite's page cache is bounded (2 MB per connection by default). Prints one JSON line.
// argv: N, driver (libsql | better-sqlite3 with Node; node:sqlite with Deno; bun:sqlite with Bun):
//   node --expose-gc --import tsx bench/sqlite-store-rss.ts 1000000 libsql
//   deno run -A --v8-flags=--expose-gc bench/sqlite-store-rss.ts 1000000 node:sqlite
//   bun bench/sqlite-store-rss.ts 1000000 bun:sqlite
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPassfortWebhooks } from '@passfort-webhooks/core';
import {
  type BetterSqlite3Database,
  betterSqlite3Driver,
  bunSqliteDriver,
  libsqlDriver,
  nodeSqliteDriver,
  type SqliteDriver,
  sqliteStore,
} from '@passfort-webhooks/core/sqlite';

const count = Number(process.argv[2] ?? 1_000_000);
const driverName = process.argv[3] ?? 'libsql';
const SECRET = 'bench-webhook-secret-3f9a';
// Node and Deno: --expose-gc (Deno: --v8-flags=--expose-gc); Bun: Bun.gc.
const bun = (globalThis as { Bun?: { gc(force: boolean): void } }).Bun;
const gc =
  (globalThis as { gc?: () => void }).gc ?? (bun === undefined ? () => {} : () => bun.gc(true));
const dir = mkdtempSync(join(tmpdir(), 'pfw-sqlite-rss-'));
const file = join(dir, 'webhooks.db');
try {
  let closeClient = () => {};
  /** The driver named on the command line, loaded only then (each runtime has its own). */
  const open = async (): Promise<SqliteDriver> => {
    switch (driverName) {
      case 'libsql': {
        const { createClient } = await import('@libsql/client');
        const client = createClient({ url: `file:${file}` });
        closeClient = () => client.close();
        return libsqlDriver({ client });
      }
      case 'better-sqlite3': {
        const Database = createRequire(import.meta.url)('better-sqlite3') as new (
          file: string,
        ) => BetterSqlite3Database;
        return betterSqlite3Driver({ open: () => new Database(file) });
      }
      case 'node:sqlite': {
        const { DatabaseSync } = await import('node:sqlite' as string);
        return nodeSqliteDriver({ open: () => new DatabaseSync(file) });
      }
      case 'bun:sqlite': {
        const { Database } = await import('bun:sqlite' as string);
        return bunSqliteDriver({ open: () => new Database(file) });
      }
      default:
        throw new Error(
          `unknown driver ${driverName}: libsql, better-sqlite3, node:sqlite, bun:sqlite`,
        );
    }
  };
  const driver = await open();
  const store = sqliteStore({ driver });
  await store.migrate();
  const webhooks = createPassfortWebhooks({ secret: SECRET, store, logger: false });
  webhooks.onAny(async () => {});
  const headers = { authorization: `Bearer ${SECRET}`, 'content-type': 'application/json' };
  const send = async (from: number) => {
    const body = JSON.stringify(
      Array.from({ length: 100 }, (_, i) => {
        const id = `00000000-0000-4000-8000-${String(from + i).padStart(12, '0')}`;
        return {
          id,
          event: 'CHECK_COMPLETED',
          secret: SECRET,
          timestamp: 1568997222,
          data: { profile_id: 'profile-1', customer_ref: 'c-1', check: { id, decision: 'PASS' } },
        };
      }),
    );
    const response = await webhooks.handle({ method: 'POST', headers, body });
    if (response.status !== 200) throw new Error(`unexpected ${response.status} ${response.body}`);
  };
  // The first batch opens the connections and warms the statement caches: measured from there.
  await send(count);
  gc();
  const before = process.memoryUsage();
  const started = performance.now();
  for (let from = 0; from < count; from += 100) {
    await send(from);
    // A turn of the event loop between requests, as a server has: libsql frees its statements
    // and rows there (its finalizers are queued to the loop), so without turns its memory
    // only grows, which once read here as a leak of 2.9 KB per prepare (5.5 GB per 1 M ids).
    await new Promise((resolve) => setImmediate(resolve));
    // Growth along the way, on stderr: whether RSS levels off or keeps growing with the ids.
    if ((from + 100) % (count / 10) === 0) {
      const mb = (process.memoryUsage().rss - before.rss) / 2 ** 20;
      console.error(`${(from + 100).toLocaleString('en')} ids: RSS +${mb.toFixed(1)} MB`);
    }
  }
  const seconds = (performance.now() - started) / 1000;
  gc();
  const after = process.memoryUsage();
  const size = (path: string) => {
    try {
      return statSync(path).size;
    } catch {
      return 0;
    }
  };
  const fileMb = (size(file) + size(`${file}-wal`)) / 2 ** 20;
  await webhooks.close();
  await store.close?.();
  closeClient();
  console.log(
    JSON.stringify({
      rssMb: (after.rss - before.rss) / 2 ** 20,
      heapMb: (after.heapUsed - before.heapUsed) / 2 ** 20,
      fileMb,
      seconds,
    }),
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
