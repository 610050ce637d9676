/**
 * Which of the store's writes wait for their fsync: a claim never does (it acknowledges
 * nothing), a completion does unless every id's ctx.transaction committed (its effect and
 * record are durable already), and every other write does. And the connection's safety level
 * is put back to FULL after a lazy write, even one refused as busy, since the app's own
 * statements may share the connection (libsql's pool).
 */
import { createPassfortWebhooks } from '@passfort-webhooks/core';
import { describe, expect, it } from 'vitest';
import { driversOnAFileEachCase, sqliteDrivers } from '../../test/sqlite/sqlite-drivers.js';
import { isBusyError } from './sqlite-busy.js';
import type { SqliteBatchOptions, SqliteDriver } from './sqlite-driver.js';
import { sqliteStore } from './sqlite-store.js';

const SECRET = 'lazy-commit-secret';
const headers = { authorization: `Bearer ${SECRET}`, 'content-type': 'application/json' };
const webhook = (id: string) =>
  JSON.stringify({
    id,
    event: 'CHECK_COMPLETED',
    secret: SECRET,
    timestamp: 1,
    data: { profile_id: 'p', check: { id, decision: 'PASS' } },
  });

for (const kind of sqliteDrivers()) {
  describe(`lazy commits on ${kind.name}`, () => {
    const open = driversOnAFileEachCase(kind);

    it('claims are lazy; a completion is lazy only when every id’s ctx.transaction committed', async () => {
      const driver = open();
      const batches: { first: string; durable: boolean }[] = [];
      const recorded: SqliteDriver = {
        ...driver,
        query: driver.query.bind(driver),
        exec: driver.exec.bind(driver),
        connect: driver.connect.bind(driver),
        close: driver.close.bind(driver),
        batch(statements, options?: SqliteBatchOptions) {
          const first = statements.at(-1)!.sql.trim().split(/\s+/).slice(0, 3).join(' ');
          batches.push({ first, durable: options?.durable !== false });
          return driver.batch(statements, options);
        },
      };
      const store = sqliteStore({ driver: recorded, pruneIntervalMs: 0 });
      await store.migrate();
      await driver.exec('CREATE TABLE effects (webhook_id TEXT PRIMARY KEY)');
      const webhooks = createPassfortWebhooks({ secret: SECRET, store, logger: false });
      const runs: string[] = [];
      webhooks.on('CHECK_COMPLETED', async (event, ctx) => {
        runs.push(event.id);
        if (event.id.startsWith('tx-')) {
          await ctx.transaction(async (tx) => kind.insertEffect(tx, event.id));
        }
      });
      try {
        batches.length = 0;
        const plain = await webhooks.handle({ method: 'POST', headers, body: webhook('plain-1') });
        const plainBatches = batches.splice(0);
        const tx = await webhooks.handle({ method: 'POST', headers, body: webhook('tx-1') });
        const txBatches = batches.splice(0);
        expect([plain.status, tx.status]).toEqual([200, 200]);
        expect(runs).toEqual(['plain-1', 'tx-1']);
        // [claim, completion] for each webhook.
        expect(plainBatches.map((b) => b.durable)).toEqual([false, true]);
        expect(txBatches.map((b) => b.durable)).toEqual([false, false]);
        // Both are remembered: a redelivery runs nothing.
        await webhooks.handle({ method: 'POST', headers, body: webhook('plain-1') });
        await webhooks.handle({ method: 'POST', headers, body: webhook('tx-1') });
        expect(runs).toEqual(['plain-1', 'tx-1']);
        const effects = await driver.query('SELECT webhook_id FROM effects');
        expect(effects.map((row) => row['webhook_id'])).toEqual(['tx-1']);
      } finally {
        await webhooks.close();
      }
    });

    it('puts the safety level back to FULL after a lazy write, and after one refused as busy', async () => {
      const holder = open();
      const driver = open();
      await holder.query('PRAGMA journal_mode = WAL');
      await holder.exec('CREATE TABLE t (n INTEGER)');
      const level = async () =>
        Number((await driver.query('PRAGMA synchronous'))[0]?.['synchronous']);
      expect(await level()).toBe(2);
      await driver.batch([{ sql: 'INSERT INTO t (n) VALUES (1)' }], { durable: false });
      expect(await level()).toBe(2);

      const connection = await holder.connect();
      expect(await connection.tryBegin()).toBe(true);
      const refused = await driver
        .batch([{ sql: 'INSERT INTO t (n) VALUES (2)' }], { durable: false })
        .then(
          () => undefined,
          (error: unknown) => error,
        );
      expect(isBusyError(refused)).toBe(true);
      expect(await level()).toBe(2);
      await connection.commit();
      connection.release(false);

      await driver.batch([{ sql: 'INSERT INTO t (n) VALUES (3)' }], { durable: false });
      expect(await level()).toBe(2);
      const rows = await driver.query('SELECT n FROM t ORDER BY n');
      expect(rows.map((row) => Number(row['n']))).toEqual([1, 3]);
    });
  });
}
