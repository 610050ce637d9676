/**
 * Where one `ctx.transaction` webhook's time goes on Postgres: every statement pg sends and the
 * gaps between them, as medians over a few hundred webhooks one at a time. What found the
 * claim's and the completion's parse and plan cost (BENCHMARKS.md, issue 40); run it after a
 * change of the store's SQL to see which step moved.
 *
 *   npx tsx bench/transaction/step-trace.ts [webhooks]      (in packages/core)
 *
 * It patches pg's query and connect to time them: a tool, not a figure to compare with the
 * hand-written route (transaction-bench.ts does that).
 */
import { createPassfortWebhooks } from '@passfort-webhooks/core';
import { postgresStore } from '@passfort-webhooks/core/postgres';
import pg from 'pg';
import { DATABASE_URL, freshBody, headers, SECRET } from './settings.js';
import { pgTables } from './tables.js';

const webhookCount = Number(process.argv[2] ?? 600);
const warmUp = Math.min(100, Math.floor(webhookCount / 6));
let events: Array<[string, number]> = [];
const mark = (what: string) => events.push([what, performance.now()]);

function traced(prototype: object, method: string, tag: string) {
  const original = (prototype as Record<string, (...args: unknown[]) => unknown>)[method]!;
  (prototype as Record<string, unknown>)[method] = function (this: unknown, ...args: unknown[]) {
    const first = args[0] as string | { text?: string } | undefined;
    const text = typeof first === 'string' ? first : (first?.text ?? '');
    const label = `${tag} ${text.replace(/\s+/g, ' ').slice(0, 28)}`.trimEnd();
    mark(`> ${label}`);
    const result = original.apply(this, args) as Promise<unknown> | undefined;
    // pg's Pool#query hands its client a callback: only promises are timed, which covers both.
    result?.then?.(
      () => mark(`< ${label}`),
      () => mark(`! ${label}`),
    );
    return result;
  };
}
traced(pg.Pool.prototype, 'query', 'pool');
traced(pg.Client.prototype, 'query', 'client');
traced(pg.Pool.prototype, 'connect', 'connect');

const table = `pfw_step_trace_${process.pid}`;
await pgTables(table, true);
const pool = new pg.Pool({ connectionString: DATABASE_URL, max: 10 });
const store = postgresStore({
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
      await tx.query(`INSERT INTO ${table} (webhook_id, decision) VALUES ($1, $2)`, [
        event.id,
        'PASS',
      ]);
    });
    mark('handler ends');
  });
  const gaps = new Map<string, number[]>();
  for (let i = 0; i < webhookCount; i++) {
    events = [];
    mark('handle()');
    const response = await webhooks.handle({ method: 'POST', headers, body: freshBody() });
    if (response.status !== 200) throw new Error(`answered ${response.status}`);
    mark('answered');
    if (i < warmUp) continue;
    for (let j = 1; j < events.length; j++) {
      const step = `${String(j).padStart(2)}  ${events[j - 1]![0]}  →  ${events[j]![0]}`;
      const list = gaps.get(step) ?? gaps.set(step, []).get(step)!;
      list.push(events[j]![1] - events[j - 1]![1]);
    }
  }
  const median = (list: number[]) => list.sort((a, b) => a - b)[list.length >> 1]!;
  const measured = webhookCount - warmUp;
  console.log(`median ms of ${measured} webhooks, one at a time (steps seen in most of them)`);
  let total = 0;
  for (const [step, list] of gaps) {
    if (list.length < measured / 2) continue;
    total += median(list);
    console.log(`${median(list).toFixed(3).padStart(7)}  ${step}`);
  }
  console.log(`${total.toFixed(3).padStart(7)}  sum of the medians`);
  await webhooks.close();
} finally {
  store.close();
  await pool.end();
  await pgTables(table, false);
}
