/**
 * The crash proof of `ctx.transaction`, shared by its test (short) and `pnpm chaos` (long): a
 * receiver process with a SQL store whose handler inserts a row per webhook into a table with
 * no unique constraint, a sender that resends each batch until it gets a 200 (as Passfort
 * does), and SIGKILLs of the receiver at random moments, each followed by a restart. At the
 * end the rows are counted per webhook id: lost, doubled, and out of Passfort's order. SQLite
 * runs on a WAL file in a temporary directory (libsql: its client, or its Database), removed
 * after the run.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createClient } from '@libsql/client';
import { mysqlStore } from '@passfort-webhooks/core/mysql';
import { postgresStore } from '@passfort-webhooks/core/postgres';
import { libsqlDriver, sqliteStore } from '@passfort-webhooks/core/sqlite';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { KIT_SECRET, kitBatch, kitHeaders } from '../src/conformance/kit-webhooks.js';
import { sleep } from './wait-until.js';

export const DATABASE_URL =
  process.env['DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
export const MYSQL_URL = process.env['MYSQL_URL'] ?? 'mysql://root@127.0.0.1:3306/test';

/** `sqlite`: a file through `@libsql/client`; `sqlite-database`: through the libsql package's Database. */
export type ChaosDatabase = 'postgres' | 'mysql' | 'sqlite' | 'sqlite-database';
export type ChaosMode = 'transaction' | 'plain';

export interface ChaosOptions {
  database: ChaosDatabase;
  /** `'transaction'`: the insert runs in `ctx.transaction`; `'plain'`: on the pool. */
  mode: ChaosMode;
  /** SIGKILLs of the receiver before the run winds down. */
  kills: number;
  /** Webhooks per request. @default 10 */
  batchSize?: number;
  /** The receiver's lease: how long a dead process's claims hold (0: the library's default). @default 1000 */
  leaseMs?: number;
  /** Random wait between a restarted receiver being ready and the next kill. @default [150, 600] */
  killAfterMs?: readonly [number, number];
}

export interface ChaosResult {
  database: ChaosDatabase;
  mode: ChaosMode;
  kills: number;
  webhooks: number;
  /** Ids with no row. */
  lost: number;
  /** Rows beyond the first for an id. */
  doubled: number;
  /** Ids whose first row came after the first row of a later webhook. */
  outOfOrder: number;
  /** The longest time from a kill to the next 200 the sender saw. */
  slowestRecoveryMs: number;
  durationMs: number;
}

const fixture = fileURLToPath(new URL('./fixtures/chaos-receiver.mjs', import.meta.url));

/** True when the database answers; under CI=true an unreachable one throws instead. */
export async function databaseReachable(database: ChaosDatabase): Promise<boolean> {
  if (database.startsWith('sqlite')) return true; // a file: nothing to reach
  try {
    if (database === 'postgres') {
      const client = new pg.Client({
        connectionString: DATABASE_URL,
        connectionTimeoutMillis: 1000,
      });
      await client.connect();
      await client.end();
    } else {
      const connection = await mysql.createConnection({ uri: MYSQL_URL, connectTimeout: 1000 });
      await connection.end();
    }
    return true;
  } catch (error) {
    if (process.env['CI'] === 'true') throw error;
    console.warn(`skipping the ${database} crash proof: ${(error as Error).message}`);
    return false;
  }
}

interface Database {
  url: string;
  migrate(table: string, effects: string): Promise<void>;
  /** The effects table's webhook ids, in insertion order. */
  effects(effects: string): Promise<string[]>;
  drop(table: string, effects: string): Promise<void>;
  end(): Promise<void>;
}

function openDatabase(database: ChaosDatabase): Database {
  if (database.startsWith('sqlite')) return openSqlite();
  if (database === 'postgres') {
    const pool = new pg.Pool({ connectionString: DATABASE_URL, max: 2 });
    return {
      url: DATABASE_URL,
      async migrate(table, effects) {
        const store = postgresStore({
          pool,
          table,
          deadLetterTable: `${table}_dead`,
          logger: false,
          pruneIntervalMs: 0,
        });
        await store.migrate();
        await pool.query(
          `CREATE TABLE ${effects} (seq bigserial PRIMARY KEY, webhook_id text NOT NULL)`,
        );
      },
      async effects(effects) {
        const { rows } = await pool.query(`SELECT webhook_id FROM ${effects} ORDER BY seq`);
        return rows.map((row) => row.webhook_id as string);
      },
      async drop(table, effects) {
        await pool.query(
          `DROP TABLE IF EXISTS ${table}, ${table}_dead, ${table}_effects, ${effects}`,
        );
      },
      end: () => pool.end(),
    };
  }
  const pool = mysql.createPool({ uri: MYSQL_URL, connectionLimit: 2 });
  return {
    url: MYSQL_URL,
    async migrate(table, effects) {
      const store = mysqlStore({
        pool,
        table,
        deadLetterTable: `${table}_dead`,
        logger: false,
        pruneIntervalMs: 0,
      });
      await store.migrate();
      await pool.query(
        `CREATE TABLE ${effects} (seq BIGINT AUTO_INCREMENT PRIMARY KEY, webhook_id VARCHAR(256) NOT NULL) ENGINE=InnoDB`,
      );
    },
    async effects(effects) {
      const [rows] = await pool.query(`SELECT webhook_id FROM ${effects} ORDER BY seq`);
      return (rows as { webhook_id: string }[]).map((row) => row.webhook_id);
    },
    async drop(table, effects) {
      await pool.query(
        `DROP TABLE IF EXISTS ${table}, ${table}_dead, ${table}_effects, ${effects}`,
      );
    },
    end: () => pool.end(),
  };
}

/** A WAL file in a fresh temporary directory: the url is its path; `end()` removes it. */
function openSqlite(): Database {
  const dir = mkdtempSync(join(tmpdir(), 'pfw-chaos-'));
  const file = join(dir, 'webhooks.db');
  const client = createClient({ url: `file:${file}` });
  return {
    url: file,
    async migrate(table, effects) {
      const store = sqliteStore({
        driver: libsqlDriver({ client }),
        table,
        deadLetterTable: `${table}_dead`,
        pruneIntervalMs: 0,
      });
      await store.migrate();
      await client.execute(
        `CREATE TABLE ${effects} (seq INTEGER PRIMARY KEY AUTOINCREMENT, webhook_id TEXT NOT NULL)`,
      );
    },
    async effects(effects) {
      const { rows } = await client.execute(`SELECT webhook_id FROM ${effects} ORDER BY seq`);
      return rows.map((row) => String(row['webhook_id']));
    },
    async drop() {}, // the tables go with the file
    async end() {
      client.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Runs one crash proof; every process it starts is killed before it resolves or rejects. */
export async function runChaos(options: ChaosOptions): Promise<ChaosResult> {
  const { database, mode, kills: targetKills } = options;
  const batchSize = options.batchSize ?? 10;
  const leaseMs = options.leaseMs ?? 1000;
  const [killMin, killMax] = options.killAfterMs ?? [150, 600];
  const db = openDatabase(database);
  const name = `pfw_chaos_${process.pid}_${Date.now().toString(36)}`;
  const table = `${name}_ids`;
  const effects = `${name}_effects`;
  const started = Date.now();
  let child: ChildProcess | undefined;
  let url: string | undefined;

  async function spawnReceiver(): Promise<void> {
    const next = fork(
      fixture,
      [database, mode, db.url, table, effects, KIT_SECRET, String(leaseMs)],
      { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] },
    );
    child = next;
    url = undefined;
    const port = await new Promise<number>((resolve, reject) => {
      next.once('message', (message) => resolve((message as { port: number }).port));
      next.once('exit', (code) =>
        reject(new Error(`the receiver exited (${code}) before listening`)),
      );
    });
    url = `http://127.0.0.1:${port}/webhooks/passfort`;
  }

  async function kill(): Promise<void> {
    const victim = child;
    if (victim === undefined || victim.exitCode !== null || victim.signalCode !== null) return;
    const exited = new Promise((resolve) => victim.once('exit', resolve));
    victim.kill('SIGKILL');
    await exited;
  }

  try {
    await db.migrate(table, effects);
    await spawnReceiver();
    let kills = 0;
    let sent = 0;
    let lastKillAt: number | undefined;
    let slowestRecoveryMs = 0;
    let killing = true;
    let killerError: unknown;

    // The killer: waits a random while after each restart, kills, restarts.
    const killer = (async () => {
      while (killing && kills < targetKills) {
        await sleep(killMin + Math.random() * (killMax - killMin));
        if (!killing) break;
        await kill();
        kills++;
        lastKillAt = Date.now();
        await spawnReceiver();
      }
    })().catch((error: unknown) => {
      killerError = error;
      killing = false;
    });

    // The sender: Passfort's order, one batch at a time, each resent until a 200. New batches
    // keep coming until the killer is done, then a few more run without kills.
    let calmBatches = 3;
    while (calmBatches > 0) {
      const batch = kitBatch(batchSize, sent);
      const body = JSON.stringify(batch);
      for (;;) {
        if (killerError !== undefined) throw killerError;
        const target = url;
        if (target !== undefined) {
          const status = await fetch(target, {
            method: 'POST',
            headers: kitHeaders(),
            body,
            signal: AbortSignal.timeout(12_000),
          }).then(
            (response) => response.status,
            () => 0,
          );
          if (status === 200) {
            if (lastKillAt !== undefined) {
              slowestRecoveryMs = Math.max(slowestRecoveryMs, Date.now() - lastKillAt);
              lastKillAt = undefined;
            }
            break;
          }
        }
        await sleep(50); // Passfort waits before retrying; a short pause keeps the run quick
      }
      sent += batchSize;
      if (kills >= targetKills) calmBatches--;
    }
    killing = false;
    await killer;
    await kill();

    const rows = await db.effects(effects);
    const perId = new Map<string, number>();
    for (const id of rows) perId.set(id, (perId.get(id) ?? 0) + 1);
    const expected = kitBatch(sent, 0).map((webhook) => webhook.id);
    let lost = 0;
    let doubled = 0;
    for (const id of expected) {
      const count = perId.get(id) ?? 0;
      if (count === 0) lost++;
      else doubled += count - 1;
    }
    // First rows in Passfort's order: the ids sorted by where their first row is.
    const firstSeen = [...new Set(rows)];
    let outOfOrder = 0;
    for (let i = 1; i < firstSeen.length; i++) {
      if (firstSeen[i]! < firstSeen[i - 1]!) outOfOrder++;
    }
    return {
      database,
      mode,
      kills,
      webhooks: sent,
      lost,
      doubled,
      outOfOrder,
      slowestRecoveryMs,
      durationMs: Date.now() - started,
    };
  } finally {
    await kill();
    await db.drop(table, effects).catch(() => {});
    await db.end();
  }
}
