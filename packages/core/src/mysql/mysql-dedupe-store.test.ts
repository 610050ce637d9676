import mysql from 'mysql2/promise';
import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  dedupeStoreConformanceCases,
  transactionalStoreConformanceCases,
} from '../../../testing/src/conformance/index.js';
import { MYSQL_URL, mysqlAvailable, uniqueName } from '../../test/services.js';
import { createPassfortWebhooks } from '../create-passfort-webhooks.js';
import { mysqlStore } from './mysql-dedupe-store.js';
import { mysqlSchemaSql } from './mysql-schema.js';

const newPool = () => mysql.createPool({ uri: MYSQL_URL, connectionLimit: 6 });

if (await mysqlAvailable()) {
  const dedupeCases = dedupeStoreConformanceCases(async ({ retentionMs }) => {
    const table = uniqueName('pfw_ids');
    const deadLetterTable = uniqueName('pfw_dead');
    const pools = [newPool()];
    const store = mysqlStore({
      pool: pools[0]!,
      table,
      deadLetterTable,
      retentionMs,
      logger: false,
    });
    await store.migrate();
    return {
      store,
      async another() {
        const pool = newPool();
        pools.push(pool);
        return mysqlStore({ pool, table, deadLetterTable, retentionMs, logger: false });
      },
      async cleanup() {
        await store.close?.();
        await pools[0]!.query(
          `DROP TABLE IF EXISTS ${table}, ${deadLetterTable}, ${table}_effects`,
        );
        await Promise.all(pools.map((pool) => pool.end()));
      },
    };
  });
  describe('mysqlStore on MariaDB (the public DedupeStore kit)', () => {
    for (const check of dedupeCases) it(check.name, check.run, 20_000);
  });

  const transactionCases = transactionalStoreConformanceCases<mysql.PoolConnection>(
    async ({ retentionMs } = {}) => {
      const table = uniqueName('pfw_ids');
      const deadLetterTable = uniqueName('pfw_dead');
      const effects = uniqueName('pfw_effects');
      const pools = [newPool()];
      const pool = pools[0]!;
      const options = {
        table,
        deadLetterTable,
        logger: false as const,
        ...(retentionMs === undefined ? {} : { retentionMs }),
      };
      const store = mysqlStore({ pool, ...options });
      await store.migrate();
      // No unique constraint: a doubled effect is a second row.
      await pool.query(
        `CREATE TABLE ${effects} (seq BIGINT AUTO_INCREMENT PRIMARY KEY, webhook_id VARCHAR(256) NOT NULL) ENGINE=InnoDB`,
      );
      return {
        store,
        async another() {
          const other = newPool();
          pools.push(other);
          return mysqlStore({ pool: other, ...options });
        },
        async insertEffect(tx, id) {
          await tx.query(`INSERT INTO ${effects} (webhook_id) VALUES (?)`, [id]);
        },
        async effects() {
          const [rows] = await pool.query(`SELECT webhook_id FROM ${effects} ORDER BY seq`);
          return (rows as { webhook_id: string }[]).map((row) => row.webhook_id);
        },
        async cleanup() {
          await store.close?.();
          await pool.query(
            `DROP TABLE IF EXISTS ${table}, ${deadLetterTable}, ${table}_effects, ${effects}`,
          );
          await Promise.all(pools.map((each) => each.end()));
        },
      };
    },
  );
  describe('mysqlStore ctx.transaction on MariaDB (the public transactional-store kit)', () => {
    for (const check of transactionCases) it(check.name, check.run, 20_000);
  });

  describe('mysqlStore specifics', () => {
    it('creates nothing until migrate(), says how to fix a missing table, and refuses unsafe names', async () => {
      const pool = newPool();
      const table = uniqueName('pfw_lazy');
      try {
        const store = mysqlStore({
          pool,
          table,
          deadLetterTable: `${table}_dead`,
          logger: false,
          pruneIntervalMs: 0,
        });
        await expect(store.claim(['a'], { leaseMs: 1000 })).rejects.toThrow(
          /did you call `await store.migrate\(\)`/,
        );
        await store.migrate();
        await store.migrate(); // idempotent
        expect(await store.claim(['a', 'A'], { leaseMs: 1000 })).toEqual([
          { status: 'claimed', attempt: 1 },
          // Ids are case-sensitive: 'A' is another webhook than 'a'.
          { status: 'claimed', attempt: 1 },
        ]);
      } finally {
        await pool.query(`DROP TABLE IF EXISTS ${table}, ${table}_dead, ${table}_effects`);
        await pool.end();
      }
      expect(() => mysqlSchemaSql('ids; DROP TABLE users')).toThrow(/Invalid MySQL table name/);
    });

    it('survives the server killing an idle pool connection: logged, and the next delivery works', async () => {
      const pool = newPool();
      const admin = await mysql.createConnection({ uri: MYSQL_URL });
      const table = uniqueName('pfw_kill');
      const warnings: string[] = [];
      try {
        const store = mysqlStore({
          pool,
          table,
          deadLetterTable: `${table}_dead`,
          pruneIntervalMs: 0,
          logger: { warn: (_object, message) => void warnings.push(message ?? '') },
        });
        await store.migrate();
        const webhooks = createPassfortWebhooks({ secret: 's3cret', store, logger: false });
        const handled: string[] = [];
        webhooks.onAny((event) => void handled.push(event.id));
        const send = (id: string) =>
          webhooks.handle({
            method: 'POST',
            headers: { authorization: 'Bearer s3cret', 'content-type': 'application/json' },
            body: JSON.stringify({
              id,
              event: 'SOMETHING_NEW',
              secret: 's3cret',
              timestamp: 1,
              data: {},
            }),
          });
        expect((await send('before')).status).toBe(200);
        // Kill every idle connection of the pool from the server side, as a restart does.
        const [threads] = await admin.query(
          "SELECT id FROM information_schema.processlist WHERE db = 'test' AND command = 'Sleep' AND id <> CONNECTION_ID()",
        );
        for (const { id } of threads as { id: number }[])
          await admin.query(`KILL ${id}`).catch(() => {});
        await new Promise((resolve) => setTimeout(resolve, 200));
        let status = 0;
        for (let tries = 0; tries < 5 && status !== 200; tries++)
          status = (await send('after')).status;
        expect(status).toBe(200);
        expect(handled).toEqual(['before', 'after']);
        await webhooks.close();
      } finally {
        await pool
          .query(`DROP TABLE IF EXISTS ${table}, ${table}_dead, ${table}_effects`)
          .catch(() => {});
        await admin.end();
        await pool.end();
      }
      expect(warnings.some((message) => /MySQL pool connection failed/.test(message))).toBe(true);
    });

    it('stores ids by their exact bytes: "wh-1 " after "wh-1" is another webhook, and ids of 256 characters fit with every prefix', async () => {
      const pool = newPool();
      const table = uniqueName('pfw_bytes');
      try {
        const store = mysqlStore({
          pool,
          table,
          deadLetterTable: `${table}_dead`,
          logger: false,
          pruneIntervalMs: 0,
        });
        await store.migrate();
        const ran: string[] = [];
        const send = (
          webhooks: Pick<ReturnType<typeof createPassfortWebhooks>, 'handle'>,
          id: string,
        ) =>
          webhooks.handle({
            method: 'POST',
            headers: { authorization: 'Bearer s3cret', 'content-type': 'application/json' },
            body: JSON.stringify({
              id,
              event: 'SOMETHING_NEW',
              secret: 's3cret',
              timestamp: 1,
              data: {},
            }),
          });
        const inline = createPassfortWebhooks({ secret: 's3cret', store, logger: false });
        inline.onAny((event) => void ran.push(JSON.stringify(event.id)));
        expect((await send(inline, 'wh-1')).status).toBe(200);
        expect((await send(inline, 'wh-1 ')).status).toBe(200);
        expect((await send(inline, 'wh-1 ')).counts).toMatchObject({ duplicates: 1 });
        expect(ran).toEqual(['"wh-1"', '"wh-1 "']);
        // The longest id the receiver takes, in 3-byte characters, with the queue's prefix.
        const long = '€'.repeat(256);
        const queued = createPassfortWebhooks({
          secret: 's3cret',
          store,
          delivery: 'queue',
          logger: false,
        });
        queued.onAny((event) => void ran.push(event.id));
        expect((await send(queued, long)).status).toBe(200);
        await queued.close();
        expect(ran.at(-1)).toBe(long);
        expect(
          await store.claim([long, `enqueued:${long}`, `replay:${long}`], { leaseMs: 1000 }),
        ).toMatchObject([{ status: 'done' }, { status: 'done' }, { status: 'claimed' }]);
        await inline.close();
      } finally {
        await pool.query(`DROP TABLE IF EXISTS ${table}, ${table}_dead, ${table}_effects`);
        await pool.end();
      }
    });

    it('migrate() upgrades tables of an earlier version: ids become exact bytes, the new columns are added, what was done stays done', async () => {
      const pool = newPool();
      const table = uniqueName('pfw_old');
      const idColumn = 'VARCHAR(256) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL';
      try {
        // The tables as versions before 0.9 made them.
        await pool.query(`CREATE TABLE ${table} (id ${idColumn} PRIMARY KEY, state VARCHAR(8) NOT NULL,
  lease_until DATETIME(3) NULL, attempts INT NOT NULL DEFAULT 0, expires_at DATETIME(3) NOT NULL,
  claim_token CHAR(36) NULL, effect_at DATETIME(3) NULL, effect_result LONGTEXT NULL,
  event VARCHAR(256) NULL, profile_id VARCHAR(256) NULL, done_at DATETIME(3) NULL,
  INDEX expires_at (expires_at), INDEX profile_done (profile_id, done_at)) ENGINE=InnoDB`);
        await pool.query(`CREATE TABLE ${table}_dead (id ${idColumn} PRIMARY KEY, event VARCHAR(256) NOT NULL,
  webhook LONGTEXT NOT NULL, reason VARCHAR(32) NOT NULL, error TEXT NOT NULL, attempts INT NOT NULL,
  failed_at BIGINT NOT NULL, profile_id VARCHAR(256) NULL, INDEX failed_at (failed_at, id)) ENGINE=InnoDB`);
        await pool.query(`CREATE TABLE ${table}_effects (id ${idColumn} PRIMARY KEY,
  effect_at DATETIME(3) NOT NULL, result LONGTEXT NULL) ENGINE=InnoDB`);
        await pool.query(
          `INSERT INTO ${table} (id, state, attempts, expires_at) VALUES ('wh-1', 'done', 1, NOW(3) + INTERVAL 1 DAY)`,
        );
        const store = mysqlStore({
          pool,
          table,
          deadLetterTable: `${table}_dead`,
          logger: false,
          pruneIntervalMs: 0,
        });
        await store.migrate();
        await store.migrate(); // idempotent
        const [columns] = await pool.query(
          `SELECT TABLE_NAME AS name, COLUMN_TYPE AS type FROM information_schema.COLUMNS
WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME IN (?) AND COLUMN_NAME = 'id' ORDER BY TABLE_NAME`,
          [[table, `${table}_dead`, `${table}_effects`]],
        );
        expect((columns as { type: string }[]).map((column) => column.type)).toEqual([
          'varbinary(1024)',
          'varbinary(1024)',
          'varbinary(1024)',
        ]);
        expect(
          await store.claim(['wh-1', 'wh-1 '], {
            leaseMs: 1000,
            owner: 'o',
            fingerprints: ['E#00000001', 'E#00000002'],
          }),
        ).toEqual([{ status: 'done' }, { status: 'claimed', attempt: 1 }]);
      } finally {
        await pool.query(`DROP TABLE IF EXISTS ${table}, ${table}_dead, ${table}_effects`);
        await pool.end();
      }
    });

    it('types tx as mysql2’s PoolConnection', () => {
      const pool = newPool();
      const webhooks = createPassfortWebhooks({
        secret: 's',
        store: mysqlStore({ pool, logger: false, pruneIntervalMs: 0 }),
      });
      webhooks.on('CHECK_COMPLETED', async (_event, ctx) => {
        await ctx.transaction(async (tx) => {
          expectTypeOf(tx).toEqualTypeOf<mysql.PoolConnection>();
        });
      });
      void pool.end();
    });
  });
}
