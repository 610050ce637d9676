import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { sendCheckCompleted } from '../../test/check-completed.js';
import { dropStoreTables, testStore } from '../../test/postgres-test-store.js';
import { DATABASE_URL, postgresAvailable, uniqueName } from '../../test/services.js';
import { SECRET } from '../../test/webhook-fixtures.js';
import { createPassfortWebhooks } from '../create-passfort-webhooks.js';
import { postgresSchemaSql } from './postgres-schema.js';

// Without Postgres, postgresAvailable() prints the one-line reason (and fails under CI=true).
const available = await postgresAvailable();

/**
 * A store on its own tables and a tenant's schema (`${table}_tenant`, made by the test) on a pool
 * of `connections`. `cleanup` drops both and ends the pool.
 */
function storeAndTenant(prefix: string, connections: number) {
  const pool = new pg.Pool({ connectionString: DATABASE_URL, max: connections });
  const table = uniqueName(prefix);
  const tenant = `${table}_tenant`;
  const store = testStore(pool, table);
  return {
    pool,
    table,
    tenant,
    store,
    async cleanup() {
      store.close?.();
      await pool.query(`DROP SCHEMA IF EXISTS ${tenant} CASCADE`);
      await dropStoreTables(pool, table);
      await pool.end();
    },
  };
}

/**
 * "SET LOCAL is fine" (README, ctx.transaction): a schema-per-tenant app sets its tenant's
 * search path for the transaction and writes unqualified names. The store's tables are named
 * without a schema too (the default), and the effect record is written in fn's transaction:
 * it must still reach the store's tables, not fail there (a webhook that never succeeds) nor
 * land in a table of the tenant's schema of the same name (an effect the next delivery does
 * not find, and runs again).
 */
describe.runIf(available)("ctx.transaction when fn sets its transaction's search_path", () => {
  it('SET LOCAL search_path TO a tenant schema: every webhook 200 once, its redelivery runs nothing, the record is in the store tables', async () => {
    const { pool, table, tenant, store, cleanup } = storeAndTenant('pfw_sp', 2);
    try {
      await store.migrate();
      await pool.query(`CREATE SCHEMA ${tenant}`);
      await pool.query(`CREATE TABLE ${tenant}.decisions (webhook_id text PRIMARY KEY)`);
      const webhooks = createPassfortWebhooks({ secret: SECRET, store, logger: false });
      const runs = new Map<string, number>();
      webhooks.on('CHECK_COMPLETED', async (event, ctx) => {
        await ctx.transaction(async (tx) => {
          runs.set(event.id, (runs.get(event.id) ?? 0) + 1);
          await tx.query(`SET LOCAL search_path TO ${tenant}`);
          await tx.query('INSERT INTO decisions VALUES ($1)', [event.id]);
        });
      });
      const statuses = (await sendCheckCompleted(webhooks, 4, { copies: 2 })).flat();
      await webhooks.close();
      expect(statuses).toEqual([200, 200, 200, 200, 200, 200, 200, 200]);
      expect([...runs.values()]).toEqual([1, 1, 1, 1]);
      const written = await pool.query(`SELECT count(*)::int AS n FROM ${tenant}.decisions`);
      expect(written.rows[0].n).toBe(4);
      const recorded = await pool.query(`SELECT count(*)::int AS n FROM ${table}_effects`);
      expect(recorded.rows[0].n).toBe(4);
    } finally {
      await cleanup();
    }
  }, 30_000);

  it("a tenant schema holding tables of the store's names: the record still goes to the store's, so a replay after a failed completion does not run fn again", async () => {
    const { pool, table, tenant, store, cleanup } = storeAndTenant('pfw_sp2', 2);
    try {
      await store.migrate();
      await pool.query(`CREATE SCHEMA ${tenant}`);
      // The tenant's schema has the same (unqualified) store tables, e.g. from an earlier setup.
      await pool.query(
        `SET search_path TO ${tenant}; ${postgresSchemaSql(table, `${table}_dead`)}; RESET search_path`,
      );
      await pool.query(`CREATE TABLE ${tenant}.decisions (webhook_id text PRIMARY KEY)`);
      const runs: string[] = [];
      const effect = async (tx: pg.PoolClient) => {
        runs.push('ran');
        await tx.query(`SET LOCAL search_path TO ${tenant}`);
        await tx.query('INSERT INTO decisions VALUES ($1)', ['wh-1']);
        return 'decided';
      };
      // The first run commits, then (say) the process dies before completing the claim: the
      // redelivery runs transactOnce again for the same id.
      expect(await store.transactOnce('wh-1', effect as never)).toBe('decided');
      expect(await store.transactOnce('wh-1', effect as never)).toBe('decided');
      expect(runs).toEqual(['ran']);
      const recorded = await pool.query(`SELECT count(*)::int AS n FROM ${table}_effects`);
      expect(recorded.rows[0].n).toBe(1);
    } finally {
      await cleanup();
    }
  }, 30_000);

  it('SET LOCAL ROLE to a role that may write only its own tables (row-level security setups): every webhook 200 once, its redelivery runs nothing', async () => {
    const pool = new pg.Pool({ connectionString: DATABASE_URL, max: 2 });
    const table = uniqueName('pfw_role');
    const role = `${table}_tenant`;
    const store = testStore(pool, table);
    try {
      await store.migrate();
      await pool.query(`CREATE ROLE ${role} NOLOGIN`);
      await pool.query(`CREATE TABLE ${table}_decisions (webhook_id text PRIMARY KEY)`);
      await pool.query(`GRANT INSERT, SELECT ON ${table}_decisions TO ${role}`);
      const webhooks = createPassfortWebhooks({ secret: SECRET, store, logger: false });
      const runs = new Map<string, number>();
      webhooks.on('CHECK_COMPLETED', async (event, ctx) => {
        await ctx.transaction(async (tx) => {
          runs.set(event.id, (runs.get(event.id) ?? 0) + 1);
          await tx.query(`SET LOCAL ROLE ${role}`);
          await tx.query(`INSERT INTO ${table}_decisions VALUES ($1)`, [event.id]);
        });
      });
      const statuses = (await sendCheckCompleted(webhooks, 4, { copies: 2 })).flat();
      await webhooks.close();
      expect(statuses).toEqual([200, 200, 200, 200, 200, 200, 200, 200]);
      expect([...runs.values()]).toEqual([1, 1, 1, 1]);
      const written = await pool.query(`SELECT count(*)::int AS n FROM ${table}_decisions`);
      expect(written.rows[0].n).toBe(4);
      const recorded = await pool.query(`SELECT count(*)::int AS n FROM ${table}_effects`);
      expect(recorded.rows[0].n).toBe(4);
    } finally {
      store.close?.();
      await dropStoreTables(pool, table, `${table}_decisions`);
      await pool.query(`DROP ROLE IF EXISTS ${role}`);
      await pool.end();
    }
  }, 30_000);

  it('a pool logged in as a role without superuser, fn taking a tenant role it is a member of: the record goes back to the login role, once', async () => {
    const admin = new pg.Pool({ connectionString: DATABASE_URL, max: 1 });
    const table = uniqueName('pfw_login');
    const login = `${table}_app`;
    const tenant = `${table}_tenant`;
    await admin.query(`CREATE ROLE ${login} LOGIN`);
    await admin.query(`CREATE ROLE ${tenant} NOLOGIN`);
    await admin.query(`GRANT ${tenant} TO ${login}`);
    const url = new URL(DATABASE_URL);
    url.username = login;
    url.password = '';
    const pool = new pg.Pool({ connectionString: url.toString(), max: 1 });
    const store = testStore(pool, table);
    try {
      // The app's tables, made by an administrator: the login role may not write them itself.
      await admin.query(postgresSchemaSql(table, `${table}_dead`));
      await admin.query(`GRANT ALL ON ${table}, ${table}_dead, ${table}_effects TO ${login}`);
      await admin.query(`CREATE TABLE ${table}_decisions (webhook_id text PRIMARY KEY)`);
      await admin.query(`GRANT INSERT ON ${table}_decisions TO ${tenant}`);
      const runs: string[] = [];
      const effect = async (tx: pg.PoolClient) => {
        runs.push('ran');
        await tx.query(`SET LOCAL ROLE ${tenant}`);
        await tx.query(`INSERT INTO ${table}_decisions VALUES ($1)`, ['wh-1']);
        return 'decided';
      };
      expect(await store.transactOnce('wh-1', effect as never)).toBe('decided');
      expect(await store.transactOnce('wh-1', effect as never)).toBe('decided');
      expect(runs).toEqual(['ran']);
      const recorded = await admin.query(`SELECT count(*)::int AS n FROM ${table}_effects`);
      expect(recorded.rows[0].n).toBe(1);
    } finally {
      store.close?.();
      await pool.end();
      await dropStoreTables(admin, table, `${table}_decisions`);
      await admin.query(`DROP ROLE IF EXISTS ${login}`);
      await admin.query(`DROP ROLE IF EXISTS ${tenant}`);
      await admin.end();
    }
  }, 30_000);

  it("SET search_path (the session's) in fn, on a pool of one connection: later webhooks' claims, completions and records still reach the store's tables, not the tenant's of the same names", async () => {
    const { pool, table, tenant, store, cleanup } = storeAndTenant('pfw_sp3', 1);
    try {
      await store.migrate();
      await pool.query(`CREATE SCHEMA ${tenant}`);
      await pool.query(
        `SET search_path TO ${tenant}; ${postgresSchemaSql(table, `${table}_dead`)}; RESET search_path`,
      );
      await pool.query(`CREATE TABLE ${tenant}.decisions (webhook_id text PRIMARY KEY)`);
      const webhooks = createPassfortWebhooks({ secret: SECRET, store, logger: false });
      const runs = new Map<string, number>();
      webhooks.on('CHECK_COMPLETED', async (event, ctx) => {
        await ctx.transaction(async (tx) => {
          runs.set(event.id, (runs.get(event.id) ?? 0) + 1);
          await tx.query(`SET search_path TO ${tenant}`);
          await tx.query('INSERT INTO decisions VALUES ($1)', [event.id]);
        });
      });
      const statuses = (await sendCheckCompleted(webhooks, 8, { copies: 2 })).flat();
      await webhooks.close();
      expect(statuses.filter((status) => status !== 200)).toEqual([]);
      expect([...runs.values()]).toEqual([1, 1, 1, 1, 1, 1, 1, 1]);
      const count = async (name: string) =>
        (await pool.query(`SELECT count(*)::int AS n FROM ${name}`)).rows[0].n;
      expect(await count(`public.${table}`)).toBe(8);
      expect(await count(`public.${table}_effects`)).toBe(8);
      expect(await count(`${tenant}.${table}`)).toBe(0);
      expect(await count(`${tenant}.${table}_effects`)).toBe(0);
    } finally {
      await cleanup();
    }
  }, 30_000);
});
