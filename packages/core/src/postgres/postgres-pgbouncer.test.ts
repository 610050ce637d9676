import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { transactionalStoreConformanceCases } from '../../../testing/src/conformance/index.js';
import { DATABASE_URL, postgresAvailable, uniqueName } from '../../test/services.js';
import { createPassfortWebhooks } from '../create-passfort-webhooks.js';
import { postgresStore } from './postgres-dedupe-store.js';

/**
 * The store behind a real PgBouncer in transaction mode, where each transaction may get another
 * server connection and (before 1.21) named prepared statements do not follow: the store's
 * fallback to unnamed statements, and ctx.transaction, must keep every webhook exactly once.
 * PgBouncer is not one of the shared services: without its binary this skips, saying why.
 */
function pgbouncerBinary(): string | undefined {
  try {
    execFileSync('pgbouncer', ['--version'], { stdio: 'ignore' });
    return 'pgbouncer';
  } catch {
    console.warn(
      'skipping the PgBouncer tests: no pgbouncer binary on PATH (apt-get install pgbouncer)',
    );
    return undefined;
  }
}

const available = (await postgresAvailable()) && pgbouncerBinary() !== undefined;

async function freePort(): Promise<number> {
  return await new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

describe.runIf(available)('postgresStore behind PgBouncer 1.18+ in transaction mode', () => {
  let bouncer: ChildProcess | undefined;
  let folder = '';
  let url = '';

  beforeAll(async () => {
    const target = new URL(DATABASE_URL);
    const port = await freePort();
    folder = mkdtempSync(join(tmpdir(), 'pfw-pgbouncer-'));
    writeFileSync(
      join(folder, 'pgbouncer.ini'),
      `[databases]
${target.pathname.slice(1)} = host=${target.hostname} port=${target.port || 5432} dbname=${target.pathname.slice(1)} user=${decodeURIComponent(target.username)}
[pgbouncer]
listen_addr = 127.0.0.1
listen_port = ${port}
auth_type = trust
auth_file = ${join(folder, 'users.txt')}
pool_mode = transaction
default_pool_size = 3
unix_socket_dir =
ignore_startup_parameters = extra_float_digits,options
`,
    );
    writeFileSync(join(folder, 'users.txt'), `"${decodeURIComponent(target.username)}" ""\n`);
    chmodSync(folder, 0o755);
    // PgBouncer refuses to run as root: it takes the database user's identity when it is root.
    const asRoot = process.getuid?.() === 0;
    bouncer = spawn(
      'pgbouncer',
      [...(asRoot ? ['-u', 'postgres'] : []), join(folder, 'pgbouncer.ini')],
      { stdio: 'ignore' },
    );
    url = `postgres://${target.username}@127.0.0.1:${port}${target.pathname}`;
    for (let i = 0; ; i++) {
      const probe = new pg.Client({ connectionString: url });
      try {
        await probe.connect();
        await probe.query('SELECT 1');
        await probe.end();
        break;
      } catch (error) {
        await probe.end().catch(() => {});
        if (i > 50) throw error;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  }, 20_000);

  afterAll(async () => {
    if (bouncer?.exitCode === null) {
      const exited = new Promise((resolve) => bouncer!.once('exit', resolve));
      bouncer.kill('SIGTERM');
      await exited;
    }
    rmSync(folder, { recursive: true, force: true });
  });

  // The public transactional-store kit, every case, through the pooler (named statements on:
  // the store falls back to unnamed on the first refusal), as postgres-transaction.test.ts runs
  // it directly. Effects are read past the pooler.
  describe('the transactional-store kit, through PgBouncer', () => {
    const cases = transactionalStoreConformanceCases<pg.PoolClient>(
      async ({ retentionMs } = {}) => {
        const table = uniqueName('pfw_kit_ids');
        const deadLetterTable = uniqueName('pfw_kit_dead');
        const effects = uniqueName('pfw_kit_effects');
        const pools = [new pg.Pool({ connectionString: url, max: 6 })];
        const pool = pools[0]!;
        const direct = new pg.Pool({ connectionString: DATABASE_URL, max: 1 });
        const options = {
          table,
          deadLetterTable,
          logger: false as const,
          transactionLockWaitMs: 3_000,
          ...(retentionMs === undefined ? {} : { retentionMs }),
        };
        const store = postgresStore({ pool, ...options });
        await store.migrate();
        await direct.query(
          `CREATE TABLE ${effects} (seq bigserial PRIMARY KEY, webhook_id text NOT NULL)`,
        );
        return {
          store,
          async another() {
            const other = new pg.Pool({ connectionString: url, max: 6 });
            pools.push(other);
            return postgresStore({ pool: other, ...options });
          },
          async insertEffect(tx, id) {
            await tx.query(`INSERT INTO ${effects} (webhook_id) VALUES ($1)`, [id]);
          },
          async effects() {
            const { rows } = await direct.query(`SELECT webhook_id FROM ${effects} ORDER BY seq`);
            return rows.map((row) => row.webhook_id as string);
          },
          async cleanup() {
            await store.close?.();
            await direct.query(
              `DROP TABLE IF EXISTS ${table}, ${deadLetterTable}, ${table}_effects, ${effects}`,
            );
            await Promise.all(pools.map((each) => each.end()));
            await direct.end();
          },
        };
      },
    );
    for (const check of cases) it(check.name, check.run, 20_000);
  });

  it('600 deliveries of 300 webhooks, 6 at a time, through ctx.transaction: each effect once, every answer 200, one warning', async () => {
    const pool = new pg.Pool({ connectionString: url, max: 8 });
    const direct = new pg.Pool({ connectionString: DATABASE_URL, max: 2 });
    const table = uniqueName('pfw_bouncer');
    const warnings: string[] = [];
    const store = postgresStore({
      pool,
      table,
      deadLetterTable: `${table}_dead`,
      pruneIntervalMs: 0,
      logger: {
        warn: (_fields, message) => /prepared/.test(message ?? '') && warnings.push(message!),
      },
    });
    try {
      await store.migrate();
      await direct.query(`CREATE TABLE ${table}_decisions (webhook_id text PRIMARY KEY)`);
      const secret = 'bouncer-test-secret';
      const webhooks = createPassfortWebhooks({ secret, store, logger: false });
      const runs = new Map<string, number>();
      webhooks.on('CHECK_COMPLETED', async (event, ctx) => {
        await ctx.transaction(async (tx) => {
          runs.set(event.id, (runs.get(event.id) ?? 0) + 1);
          await tx.query(`INSERT INTO ${table}_decisions VALUES ($1)`, [event.id]);
        });
      });
      const statuses: number[] = [];
      let next = 0;
      await Promise.all(
        Array.from({ length: 6 }, async () => {
          while (next < 300) {
            const i = next++;
            const body = JSON.stringify({
              id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
              event: 'CHECK_COMPLETED',
              secret,
              timestamp: 1568997222,
              data: { profile_id: `p-${i}`, check: { id: `c-${i}`, decision: 'PASS' } },
            });
            const headers = {
              authorization: `Bearer ${secret}`,
              'content-type': 'application/json',
            };
            // Each webhook, then its redelivery.
            for (let copy = 0; copy < 2; copy++) {
              statuses.push((await webhooks.handle({ method: 'POST', headers, body })).status);
            }
          }
        }),
      );
      await webhooks.close();
      expect(statuses.filter((status) => status !== 200)).toEqual([]);
      expect(runs.size).toBe(300);
      expect([...runs.values()].every((count) => count === 1)).toBe(true);
      const { rows } = await direct.query(`SELECT count(*)::int AS n FROM ${table}_decisions`);
      expect(rows[0].n).toBe(300);
      expect(warnings).toHaveLength(1);
    } finally {
      store.close?.();
      await direct.query(
        `DROP TABLE IF EXISTS ${table}, ${table}_dead, ${table}_effects, ${table}_decisions`,
      );
      await pool.end();
      await direct.end();
    }
  }, 60_000);

  it('a ctx.transaction that fails gives its lock back on the server connection holding it: every redelivery runs at once, and no lock is left', async () => {
    const pool = new pg.Pool({ connectionString: url, max: 8 });
    const direct = new pg.Pool({ connectionString: DATABASE_URL, max: 2 });
    const table = uniqueName('pfw_bouncer_fail');
    // Short, so that a lock left behind fails the redelivery rather than delaying it a minute.
    const store = postgresStore({
      pool,
      table,
      deadLetterTable: `${table}_dead`,
      pruneIntervalMs: 0,
      transactionLockWaitMs: 2_000,
      preparedStatements: false,
      logger: false,
    });
    try {
      await store.migrate();
      await direct.query(`CREATE TABLE ${table}_decisions (webhook_id text PRIMARY KEY)`);
      const secret = 'bouncer-test-secret';
      const webhooks = createPassfortWebhooks({ secret, store, logger: false });
      const attempts = new Map<string, number>();
      webhooks.on('CHECK_COMPLETED', async (event, ctx) => {
        await ctx.transaction(async (tx) => {
          const attempt = (attempts.get(event.id) ?? 0) + 1;
          attempts.set(event.id, attempt);
          await tx.query(`INSERT INTO ${table}_decisions VALUES ($1)`, [event.id]);
          if (attempt === 1) throw new Error('the first attempt fails after writing');
        });
      });
      const firsts: number[] = [];
      const seconds: number[] = [];
      let next = 0;
      await Promise.all(
        Array.from({ length: 6 }, async () => {
          while (next < 120) {
            const i = next++;
            const body = JSON.stringify({
              id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
              event: 'CHECK_COMPLETED',
              secret,
              timestamp: 1568997222,
              data: { profile_id: `p-${i}`, check: { id: `c-${i}`, decision: 'PASS' } },
            });
            const headers = {
              authorization: `Bearer ${secret}`,
              'content-type': 'application/json',
            };
            firsts.push((await webhooks.handle({ method: 'POST', headers, body })).status);
            seconds.push((await webhooks.handle({ method: 'POST', headers, body })).status);
          }
        }),
      );
      await webhooks.close();
      expect(firsts.every((status) => status === 500)).toBe(true);
      expect(seconds.filter((status) => status !== 200)).toEqual([]);
      const { rows } = await direct.query(`SELECT count(*)::int AS n FROM ${table}_decisions`);
      expect(rows[0].n).toBe(120);
      // This store's locks only (other tests may hold theirs): a bigint lock shows as its high
      // and low 32 bits, of SHA-1(table NUL id) as the dialect derives it.
      const ours = [...attempts.keys()].map((id) => {
        const digest = createHash('sha1').update(`${table}\u0000${id}`).digest();
        return `${digest.readUInt32BE(0)}:${digest.readUInt32BE(4)}`;
      });
      const locks = await direct.query<{ lock: string }>(
        "SELECT classid::text || ':' || objid::text AS lock FROM pg_locks WHERE locktype = 'advisory' AND objsubid = 1",
      );
      expect(locks.rows.filter((row) => ours.includes(row.lock))).toEqual([]);
    } finally {
      store.close?.();
      await direct.query(
        `DROP TABLE IF EXISTS ${table}, ${table}_dead, ${table}_effects, ${table}_decisions`,
      );
      await pool.end();
      await direct.end();
    }
  }, 60_000);

  it('claims taken over after their lease ended, 6 at once, with named statements on: the paused deliveries neither run nor commit, each takeover commits once at once, and no lock is left', async () => {
    const pool = new pg.Pool({ connectionString: url, max: 8 });
    const direct = new pg.Pool({ connectionString: DATABASE_URL, max: 2 });
    const table = uniqueName('pfw_bouncer_takeover');
    // Short: a lock left behind fails the takeover's run rather than delaying it a minute.
    const store = postgresStore({
      pool,
      table,
      deadLetterTable: `${table}_dead`,
      pruneIntervalMs: 0,
      transactionLockWaitMs: 2_000,
      logger: false,
    });
    try {
      await store.migrate();
      await direct.query(`CREATE TABLE ${table}_decisions (webhook_id text, owner text)`);
      const ids = Array.from({ length: 6 }, (_, i) => `takeover-${i}`);
      const claimed = await store.claim(ids, { leaseMs: 300, owner: 'paused' });
      expect(claimed.every((outcome) => outcome.status === 'claimed')).toBe(true);
      const runs: string[] = [];
      let open: () => void = () => {};
      const gate = new Promise<void>((resolve) => {
        open = resolve;
      });
      let started = 0;
      const allStarted = new Promise<void>((resolve) => {
        const check = setInterval(() => {
          if (started === 2) {
            clearInterval(check);
            resolve();
          }
        }, 5);
      });
      // Two deliveries pause inside fn (each holds one of PgBouncer's 3 server connections
      // meanwhile), the others before ctx.transaction.
      const inside = (i: number) => i % 3 === 0;
      const paused = ids
        .filter((_, i) => inside(i))
        .map((id) =>
          store.transactOnce(
            id,
            (async (tx: pg.PoolClient) => {
              runs.push(`paused ${id}`);
              await tx.query(`INSERT INTO ${table}_decisions VALUES ($1, 'paused')`, [id]);
              started++;
              await gate;
            }) as never,
            { owner: 'paused' },
          ),
        );
      await allStarted;
      await new Promise((resolve) => setTimeout(resolve, 400)); // every lease has ended
      const takeovers = await store.claim(ids, { leaseMs: 30_000, owner: 'fresh' });
      expect(takeovers.every((outcome) => outcome.status === 'claimed')).toBe(true);
      open();
      const pausedOutcomes = await Promise.allSettled(paused);
      const late = await Promise.allSettled(
        ids
          .filter((_, i) => !inside(i))
          .map((id) =>
            store.transactOnce(
              id,
              (async () => {
                runs.push(`paused ${id}`);
              }) as never,
              { owner: 'paused' },
            ),
          ),
      );
      for (const outcome of [...pausedOutcomes, ...late]) {
        expect(outcome.status).toBe('rejected');
        expect((outcome as PromiseRejectedResult).reason).toMatchObject({ code: 'IN_PROGRESS' });
      }
      // The deliveries holding the claims now: each runs once, without waiting for a lock.
      const fresh = await Promise.allSettled(
        ids.map((id) =>
          store.transactOnce(
            id,
            (async (tx: pg.PoolClient) => {
              runs.push(`fresh ${id}`);
              await tx.query(`INSERT INTO ${table}_decisions VALUES ($1, 'fresh')`, [id]);
              return id;
            }) as never,
            { owner: 'fresh' },
          ),
        ),
      );
      expect(fresh.map((outcome) => outcome.status)).toEqual(ids.map(() => 'fulfilled'));
      expect(runs.filter((run) => run.startsWith('fresh')).sort()).toEqual(
        ids.map((id) => `fresh ${id}`).sort(),
      );
      expect(runs.filter((run) => run.startsWith('paused')).sort()).toEqual(
        ids.filter((_, i) => inside(i)).map((id) => `paused ${id}`),
      );
      const { rows } = await direct.query(
        `SELECT webhook_id, owner FROM ${table}_decisions ORDER BY webhook_id`,
      );
      expect(rows).toEqual(ids.map((id) => ({ webhook_id: id, owner: 'fresh' })));
      const ours = ids.map((id) => {
        const digest = createHash('sha1').update(`${table}\u0000${id}`).digest();
        return `${digest.readUInt32BE(0)}:${digest.readUInt32BE(4)}`;
      });
      const locks = await direct.query<{ lock: string }>(
        "SELECT classid::text || ':' || objid::text AS lock FROM pg_locks WHERE locktype = 'advisory' AND objsubid = 1",
      );
      expect(locks.rows.filter((row) => ours.includes(row.lock))).toEqual([]);
    } finally {
      store.close?.();
      await direct.query(
        `DROP TABLE IF EXISTS ${table}, ${table}_dead, ${table}_effects, ${table}_decisions`,
      );
      await pool.end();
      await direct.end();
    }
  }, 60_000);

  it('a COMMIT refused by a deferred foreign key (Django makes them so) gives the lock back: once the parent row exists every redelivery is 200, and no lock is left', async () => {
    const pool = new pg.Pool({ connectionString: url, max: 8 });
    const direct = new pg.Pool({ connectionString: DATABASE_URL, max: 2 });
    const table = uniqueName('pfw_bouncer_deferred');
    const store = postgresStore({
      pool,
      table,
      deadLetterTable: `${table}_dead`,
      pruneIntervalMs: 0,
      transactionLockWaitMs: 2_000,
      logger: false,
    });
    try {
      await store.migrate();
      await direct.query(`CREATE TABLE ${table}_profiles (id text PRIMARY KEY)`);
      await direct.query(
        `CREATE TABLE ${table}_checks (webhook_id text PRIMARY KEY, profile_id text
           REFERENCES ${table}_profiles (id) DEFERRABLE INITIALLY DEFERRED)`,
      );
      const secret = 'bouncer-test-secret';
      const webhooks = createPassfortWebhooks({ secret, store, logger: false });
      const runs = new Map<string, number>();
      webhooks.on('CHECK_COMPLETED', async (event, ctx) => {
        await ctx.transaction(async (tx) => {
          runs.set(event.id, (runs.get(event.id) ?? 0) + 1);
          await tx.query(`INSERT INTO ${table}_checks VALUES ($1, $2)`, [
            event.id,
            event.data.profile_id,
          ]);
        });
      });
      const deliveries = Array.from({ length: 30 }, (_, i) => ({
        headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
          event: 'CHECK_COMPLETED',
          secret,
          timestamp: 1568997222,
          data: { profile_id: `p-${i}`, check: { id: `c-${i}`, decision: 'PASS' } },
        }),
      }));
      const send = async (statuses: number[]) => {
        let next = 0;
        await Promise.all(
          Array.from({ length: 6 }, async () => {
            while (next < deliveries.length) {
              const { headers, body } = deliveries[next++]!;
              statuses.push((await webhooks.handle({ method: 'POST', headers, body })).status);
            }
          }),
        );
      };
      // The profiles are not there yet: every commit is refused by the deferred key.
      const firsts: number[] = [];
      await send(firsts);
      expect(firsts.filter((status) => status === 200)).toEqual([]);
      await direct.query(
        `INSERT INTO ${table}_profiles SELECT 'p-' || g FROM generate_series(0, 29) g`,
      );
      const seconds: number[] = [];
      await send(seconds);
      await webhooks.close();
      expect(seconds.filter((status) => status !== 200)).toEqual([]);
      const { rows } = await direct.query(`SELECT count(*)::int AS n FROM ${table}_checks`);
      expect(rows[0].n).toBe(30);
      const ours = [...runs.keys()].map((id) => {
        const digest = createHash('sha1').update(`${table}\u0000${id}`).digest();
        return `${digest.readUInt32BE(0)}:${digest.readUInt32BE(4)}`;
      });
      const locks = await direct.query<{ lock: string }>(
        "SELECT classid::text || ':' || objid::text AS lock FROM pg_locks WHERE locktype = 'advisory' AND objsubid = 1",
      );
      expect(locks.rows.filter((row) => ours.includes(row.lock))).toEqual([]);
    } finally {
      store.close?.();
      await direct.query(
        `DROP TABLE IF EXISTS ${table}, ${table}_dead, ${table}_effects, ${table}_checks, ${table}_profiles`,
      );
      await pool.end();
      await direct.end();
    }
  }, 60_000);
});
