import { createHash } from 'node:crypto';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { dropStoreTables, testStore } from '../../test/postgres-test-store.js';
import { DATABASE_URL, postgresAvailable, uniqueName } from '../../test/services.js';
import { postgresStatements } from './postgres-statements.js';

// Without Postgres, postgresAvailable() prints the one-line reason (and fails under CI=true).
const available = await postgresAvailable();

/** A store on one connection (so the test sees the connection's prepared statements). */
async function oneConnectionStore(preparedStatements?: boolean) {
  const pool = new pg.Pool({ connectionString: DATABASE_URL, max: 1 });
  const table = uniqueName('pfw_prep');
  const warnings: Array<Record<string, unknown>> = [];
  const store = testStore(pool, table, {
    ...(preparedStatements === undefined ? {} : { preparedStatements }),
    // Only this feature's warnings (the pool-settings warning is another test's).
    logger: { warn: (fields, message) => /prepared/.test(message ?? '') && warnings.push(fields) },
  });
  await store.migrate();
  const prepared = async () =>
    (
      await pool.query<{ name: string }>(
        "SELECT name FROM pg_prepared_statements WHERE name LIKE 'pfw\\_%' ORDER BY name",
      )
    ).rows.map((row) => row.name);
  return {
    pool,
    table,
    store,
    warnings,
    prepared,
    async cleanup() {
      await dropStoreTables(pool, table);
      store.close?.();
      await pool.end();
    },
  };
}

describe.runIf(available)("postgresStore's prepared statements", () => {
  it('claims and completes through statements prepared once per connection', async () => {
    const s = await oneConnectionStore();
    try {
      expect(await s.store.claim(['a'], { leaseMs: 10_000 })).toEqual([
        { status: 'claimed', attempt: 1 },
      ]);
      await s.store.complete(['a']);
      expect(await s.prepared()).toHaveLength(2); // the claim and the completion, each once
      await s.store.claim(['b'], { leaseMs: 10_000 });
      await s.store.complete(['b']);
      expect(await s.prepared()).toHaveLength(2);
      expect(await s.store.claim(['a', 'b'], { leaseMs: 10_000 })).toEqual([
        { status: 'done' },
        { status: 'done' },
      ]);
      expect(s.warnings).toEqual([]);
    } finally {
      await s.cleanup();
    }
  });

  it('with preparedStatements: false, prepares nothing', async () => {
    const s = await oneConnectionStore(false);
    try {
      await s.store.claim(['a'], { leaseMs: 10_000 });
      await s.store.complete(['a']);
      expect(await s.prepared()).toEqual([]);
      expect(await s.store.claim(['a'], { leaseMs: 10_000 })).toEqual([{ status: 'done' }]);
    } finally {
      await s.cleanup();
    }
  });

  it('when the server forgot a prepared statement (26000: DEALLOCATE, a pooler), the claim is sent again unnamed and the store stays unnamed, with one warning', async () => {
    const s = await oneConnectionStore();
    try {
      await s.store.claim(['a'], { leaseMs: 10_000 });
      await s.pool.query('DEALLOCATE ALL'); // pg still believes its statement is there
      expect(await s.store.claim(['b'], { leaseMs: 10_000 })).toEqual([
        { status: 'claimed', attempt: 1 },
      ]);
      expect(s.warnings).toEqual([{ code: '26000' }]);
      await s.store.complete(['a', 'b']);
      expect(await s.prepared()).toEqual([]); // unnamed from then on
      expect(await s.store.claim(['a', 'b', 'c'], { leaseMs: 10_000 })).toEqual([
        { status: 'done' },
        { status: 'done' },
        { status: 'claimed', attempt: 1 },
      ]);
      expect(s.warnings).toHaveLength(1);
    } finally {
      await s.cleanup();
    }
  });

  it('when the server connection has the name already (42P05: a pooler handed another client its connection), the claim is sent unnamed', async () => {
    const s = await oneConnectionStore();
    try {
      // What another client of a shared server connection would have left there.
      const claimText = postgresStatements(s.table, `${s.table}_dead`, `${s.table}_effects`).claim;
      const name = `pfw_${createHash('sha1').update(claimText).digest('hex').slice(0, 20)}`;
      await s.pool.query(`PREPARE ${name} AS SELECT 1`);
      expect(await s.store.claim(['a'], { leaseMs: 10_000 })).toEqual([
        { status: 'claimed', attempt: 1 },
      ]);
      expect(s.warnings).toEqual([{ code: '42P05' }]);
    } finally {
      await s.cleanup();
    }
  });

  it('when a table changed type under a prepared claim (0A000: another process migrated), the claim is sent again unnamed', async () => {
    const s = await oneConnectionStore();
    try {
      await s.store.claim(['a'], { leaseMs: 10_000, fingerprints: ['f1'] });
      // The claim returns this column: its prepared plan's result type no longer holds.
      await s.pool.query(`ALTER TABLE ${s.table} ALTER COLUMN fingerprint TYPE varchar(200)`);
      expect(await s.store.claim(['b'], { leaseMs: 10_000 })).toEqual([
        { status: 'claimed', attempt: 1 },
      ]);
      expect(s.warnings).toEqual([{ code: '0A000' }]);
    } finally {
      await s.cleanup();
    }
  });

  it('a claim refused for another reason is not sent twice: the error is explained', async () => {
    const s = await oneConnectionStore();
    try {
      await s.pool.query(`DROP TABLE ${s.table}`);
      await expect(s.store.claim(['a'], { leaseMs: 10_000 })).rejects.toThrow(/migrate/);
      expect(s.warnings).toEqual([]);
    } finally {
      await s.cleanup();
    }
  });
});
