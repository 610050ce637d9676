/**
 * step-trace.ts for MariaDB: every statement mysql2 sends for one `ctx.transaction` webhook and
 * the gaps between them, as medians over a few hundred webhooks one at a time. What counted the
 * store's 14 round trips and showed the claim's and the completion's commits as the dearest
 * (BENCHMARKS.md, issue 40).
 *
 *   npx tsx bench/transaction/mysql-step-trace.ts [webhooks]      (in packages/core)
 *
 * It wraps the promise pool's and its connections' methods to time them: a tool, not a figure
 * to compare with the hand-written route (transaction-bench.ts does that).
 */
import { createPassfortWebhooks } from '@passfort-webhooks/core';
import { mysqlStore } from '@passfort-webhooks/core/mysql';
import mysql from 'mysql2/promise';
import { MYSQL_URL, SECRET } from './settings.js';
import { mark, printStepTimings } from './step-timings.js';
import { mysqlTables } from './tables.js';

const webhookCount = Number(process.argv[2] ?? 600);

type Method = (...args: unknown[]) => Promise<unknown>;
function traced(target: object, method: string, tag: string) {
  const original = (target as Record<string, Method>)[method]!;
  (target as Record<string, Method>)[method] = function (this: unknown, ...args: unknown[]) {
    const text = typeof args[0] === 'string' ? args[0] : method;
    const label = `${tag} ${text.replace(/\s+/g, ' ').slice(0, 28)}`.trimEnd();
    mark(`> ${label}`);
    return original.apply(this, args).then(
      (result) => {
        mark(`< ${label}`);
        return result;
      },
      (error: unknown) => {
        mark(`! ${label}`);
        throw error;
      },
    );
  };
}

const table = `pfw_step_trace_${process.pid}`;
await mysqlTables(table, true);
const pool = mysql.createPool({ uri: MYSQL_URL, connectionLimit: 10 });
traced(pool, 'query', 'pool');
// ctx.transaction's statements go through the connections the pool hands out: one prototype.
const sample = await pool.getConnection();
for (const method of ['query', 'beginTransaction', 'commit', 'rollback']) {
  traced(Object.getPrototypeOf(sample), method, 'conn');
}
sample.release();
const store = mysqlStore({
  pool,
  table: `${table}_ids`,
  deadLetterTable: `${table}_dead`,
  logger: false,
  pruneIntervalMs: 0,
});
try {
  await store.migrate();
  const webhooks = createPassfortWebhooks({ secret: SECRET, store, logger: false });
  webhooks.on('CHECK_COMPLETED', async (event, ctx) => {
    mark('handler starts');
    await ctx.transaction(async (tx) => {
      await tx.query(`INSERT INTO ${table} (webhook_id, decision) VALUES (?, ?)`, [
        event.id,
        'PASS',
      ]);
    });
    mark('handler ends');
  });
  await printStepTimings(webhooks, webhookCount);
  await webhooks.close();
} finally {
  store.close();
  await pool.end();
  await mysqlTables(table, false);
}
