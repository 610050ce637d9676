/**
 * The transactional-store kit: its entry assembles the cases, one file per part of the
 * contract of `ctx.transaction` (commit, misuse, leases, deadline, replay, queue,
 * concurrency), in the order the kit has always run them.
 */
import type { ConformanceCase } from '../conformance-case.js';
import { commitWithRecordCase, failureAfterCommitCase, rollbackCase } from './commit.js';
import { concurrentTransactOnceCase, isolationCase } from './concurrency.js';
import { deadlineCase } from './deadline.js';
import {
  longTransactionCase,
  pausedBeforeTransactionCase,
  pausedInsideTransactionCase,
} from './leases.js';
import { secondTransactionCase, settledConnectionCase, unfaithfulResultCase } from './misuse.js';
import { queueDeliveryCase } from './queue.js';
import { replayAfterRetentionCase, replayCase } from './replay.js';
import type { OpenTransactionalStore } from './transactional-store-fixture.js';

export type {
  OpenTransactionalStore,
  TransactionalStoreFixture,
} from './transactional-store-fixture.js';

/**
 * The contract of `ctx.transaction` (the transactional inbox) as cases, run through a real
 * receiver against a real database: the effect and its record commit together, a failure
 * inside rolls both back, a failure after the commit retries without a second effect, one
 * transaction per webhook, a late second claimer commits nothing, the deadline, dead-letter
 * replay and queue delivery. Run it beside `dedupeStoreConformanceCases` for a SQL store.
 *
 * @example
 * const cases = transactionalStoreConformanceCases<pg.PoolClient>(async () => {
 *   const store = postgresStore({ pool, table });
 *   await store.migrate();
 *   await pool.query('CREATE TABLE effects (seq serial, webhook_id text)');
 *   return {
 *     store,
 *     another: async () => postgresStore({ pool: new pg.Pool(config), table }),
 *     insertEffect: async (tx, id) => void (await tx.query('INSERT INTO effects (webhook_id) VALUES ($1)', [id])),
 *     effects: async () => (await pool.query('SELECT webhook_id FROM effects ORDER BY seq')).rows.map((r) => r.webhook_id),
 *     cleanup: async () => { await pool.query('DROP TABLE effects'); },
 *   };
 * });
 * for (const check of cases) it(check.name, check.run);
 */
export function transactionalStoreConformanceCases<Tx>(
  open: OpenTransactionalStore<Tx>,
  options: {
    /**
     * The database has one writer at a time (SQLite): while a transaction is open nobody else
     * writes, so nobody can take its claim over, and a redelivery during it waits for it to
     * end, then finds the webhook in progress or done. The two cases about a transaction that
     * outlives its lease then check that outcome (one effect, one run, the redelivery not
     * processed) instead of a takeover and an immediate 503.
     * @default false
     */
    singleWriter?: boolean;
  } = {},
): ConformanceCase[] {
  const singleWriter = options.singleWriter === true;
  return [
    commitWithRecordCase(open),
    rollbackCase(open),
    failureAfterCommitCase(open),
    secondTransactionCase(open),
    pausedInsideTransactionCase(open, singleWriter),
    pausedBeforeTransactionCase(open),
    deadlineCase(open),
    replayCase(open),
    queueDeliveryCase(open),
    concurrentTransactOnceCase(open),
    replayAfterRetentionCase(open),
    longTransactionCase(open, singleWriter),
    unfaithfulResultCase(open),
    settledConnectionCase(open),
    isolationCase(open),
  ];
}
