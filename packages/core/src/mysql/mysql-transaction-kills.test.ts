import type mysql from 'mysql2/promise';
import { afterEach, describe, expect, it } from 'vitest';
import { cleanUpAdversaries, openAdversary as open } from '../../test/mysql-adversary.js';
import { mysqlAvailable } from '../../test/services.js';
import { webhookId } from '../../test/webhook-fixtures.js';
import type { MysqlPool } from './mysql-pool.js';

/**
 * ctx.transaction on MariaDB when the server kills its connection (`KILL`) at each step: the
 * effect happens at most once, and the next delivery settles it.
 */
describe.runIf(await mysqlAvailable())(
  'mysqlStore ctx.transaction with its connection killed',
  () => {
    afterEach(cleanUpAdversaries);

    // ---------------------------------------------------------- connections killed

    /** A pool whose connections can be killed from outside at a chosen step of ctx.transaction. */
    function killing(
      admin: () => mysql.Pool,
      when: { step?: RegExp | 'after-commit' | undefined },
    ) {
      return (pool: mysql.Pool): MysqlPool => ({
        query: (sql: string, values?: unknown) =>
          pool.query(sql, values as unknown[]) as Promise<[unknown, unknown]>,
        async getConnection() {
          const connection = await pool.getConnection();
          const patched = connection as unknown as { __patched?: boolean };
          if (!patched.__patched) {
            patched.__patched = true;
            const query = connection.query.bind(connection) as (
              ...a: unknown[]
            ) => Promise<unknown>;
            const commit = connection.commit.bind(connection);
            const kill = async () => {
              const target = when.step;
              when.step = undefined; // once
              if (target !== undefined) await admin().query(`KILL ${connection.threadId}`);
            };
            (connection as unknown as { query: unknown }).query = async (...args: unknown[]) => {
              const text = typeof args[0] === 'string' ? args[0] : '';
              const result = await query(...args);
              if (when.step instanceof RegExp && when.step.test(text)) await kill();
              return result;
            };
            (connection as unknown as { commit: unknown }).commit = async () => {
              await commit();
              if (when.step === 'after-commit') await kill();
            };
          }
          return connection;
        },
      });
    }

    for (const [moment, step, committed, expectedRuns] of [
      ['after the effect read (before fn)', /AS pfw_session\s+FROM/s, false, 1],
      ['after the record insert, before the commit', /^INSERT INTO \S+_effects/, false, 2],
      ['after the commit, before the unlock', 'after-commit', true, 1],
    ] as const) {
      it(`the transaction's connection killed ${moment}: at most once, and the next delivery settles it`, async () => {
        let adminPool: mysql.Pool | undefined;
        const when: { step?: RegExp | 'after-commit' | undefined } = {};
        const db = await open({ wrap: killing(() => adminPool!, when) });
        adminPool = db.admin;
        const webhooks = db.receiver();
        let runs = 0;
        webhooks.on('PRODUCT_STATUS_CHANGED', async (event, ctx) => {
          await ctx.transaction(async (tx) => {
            runs++;
            await db.insert(tx, event.id);
            return 'v';
          });
        });
        const id = webhookId(1000);
        when.step = step;
        const first = await db.send(webhooks, id);
        expect(when.step).toBeUndefined(); // the kill happened
        expect(first.status).toBe(committed ? 200 : 500);
        const second = await db.send(webhooks, id);
        expect(second.status).toBe(200);
        expect(await db.effectRows()).toEqual([id]);
        expect(runs).toBe(expectedRuns);
        expect((await db.send(webhooks, id)).status).toBe(200);
        expect(runs).toBe(expectedRuns);
        await webhooks.close();
      });
    }

    it('the connection killed while fn waits on a query: rejected, nothing kept, the redelivery runs it once', async () => {
      const db = await open();
      const webhooks = db.receiver();
      let runs = 0;
      webhooks.on('PRODUCT_STATUS_CHANGED', async (event, ctx) => {
        await ctx.transaction(async (tx) => {
          runs++;
          await db.insert(tx, event.id);
          if (runs === 1) {
            const threadId = (tx as unknown as { threadId: number }).threadId;
            setTimeout(() => void db.admin.query(`KILL ${threadId}`), 100);
            await tx.query('SELECT SLEEP(2)');
          }
        });
      });
      const id = webhookId(1100);
      expect((await db.send(webhooks, id)).status).toBe(500);
      expect(await db.effectRows()).toEqual([]);
      expect((await db.send(webhooks, id)).status).toBe(200);
      expect((await db.send(webhooks, id)).status).toBe(200);
      expect(await db.effectRows()).toEqual([id]);
      expect(runs).toBe(2);
      await webhooks.close();
    });
  },
);
