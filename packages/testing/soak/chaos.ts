/**
 * pnpm chaos — the crash proof of ctx.transaction, long form. For each database (Postgres,
 * then MariaDB/MySQL, then a SQLite file through libsql) and each mode (the insert inside
 * ctx.transaction, then the same insert on the pool as a plain handler would do it),
 * CHAOS_KILLS (default 30) SIGKILLs of the receiver at random moments while a sender resends
 * every batch until it gets a 200. Prints lost, doubled and out-of-order effects per run;
 * exits 1 if transaction mode lost, doubled or reordered any. Plain mode's doubles are the
 * figure the feature removes. Then the time edges: one long transaction
 * (CHAOS_LONG_TRANSACTION_MS, default 45 s) while unrelated webhooks arrive, and dead letters
 * replayed after the retention has passed, on the server databases only: with SQLite's one
 * writer a 45 s transaction holds every other write by design (the core README says so), and
 * its replay after the retention is a case of the transactional kit.
 */
import { type ChaosDatabase, type ChaosMode, databaseReachable, runChaos } from '../test/chaos.js';
import { runLongTransaction, runReplayAfterRetention } from '../test/transaction-edges.js';

const kills = Number(process.env['CHAOS_KILLS'] ?? 30);
const databases = (process.env['CHAOS_DATABASES'] ?? 'postgres,mysql,sqlite,sqlite-database').split(
  ',',
) as ChaosDatabase[];
const servers = databases.filter((database) => !database.startsWith('sqlite'));
const modes = (process.env['CHAOS_MODES'] ?? 'transaction,plain').split(',') as ChaosMode[];
let failed = false;
console.log(
  'database  mode         kills  webhooks  lost  doubled  out of order  slowest kill→200  took',
);
for (const database of databases) {
  if (!(await databaseReachable(database))) continue;
  for (const mode of modes) {
    const r = await runChaos({ database, mode, kills });
    console.log(
      `${database.padEnd(9)} ${mode.padEnd(12)} ${String(r.kills).padStart(5)} ${String(r.webhooks).padStart(9)} ${String(r.lost).padStart(5)} ${String(r.doubled).padStart(8)} ${String(r.outOfOrder).padStart(13)} ${`${r.slowestRecoveryMs} ms`.padStart(17)} ${`${(r.durationMs / 1000).toFixed(0)} s`.padStart(5)}`,
    );
    if (mode === 'transaction' && (r.lost > 0 || r.doubled > 0 || r.outOfOrder > 0)) failed = true;
  }
}
// The time edges (issue 31): one long transaction on the default pool and lease while
// unrelated webhooks arrive, and dead letters replayed after the retention has passed.
const longMs = Number(process.env['CHAOS_LONG_TRANSACTION_MS'] ?? 45_000);
console.log(
  '\ndatabase  long transaction  others acked  slowest other  effects  worst lease lapse  most lock waiters',
);
for (const database of servers) {
  if (!(await databaseReachable(database))) continue;
  const r = await runLongTransaction(database, longMs);
  console.log(
    `${database.padEnd(9)} ${`${r.transactionMs / 1000} s`.padStart(16)} ${`${r.othersAcked}/${r.others}`.padStart(13)} ${`${r.slowestOtherMs} ms`.padStart(14)} ${`${r.effects}/${r.others + 1}`.padStart(8)} ${`${r.worstLapseMs} ms`.padStart(18)} ${String(r.mostLockWaiters).padStart(18)}`,
  );
  if (r.othersAcked < r.others || r.effects !== r.others + 1 || r.worstLapseMs >= 0) failed = true;
}
console.log('\ndatabase  letters replayed after the retention  fn run again  doubled');
for (const database of servers) {
  if (!(await databaseReachable(database))) continue;
  const r = await runReplayAfterRetention(database);
  console.log(
    `${database.padEnd(9)} ${String(r.letters).padStart(38)} ${String(r.rerunsOnReplay).padStart(13)} ${String(r.doubled).padStart(8)}`,
  );
  if (r.rerunsOnReplay > 0 || r.doubled > 0) failed = true;
}
if (failed) {
  console.error('ctx.transaction lost, doubled or reordered an effect, or its edges failed');
  process.exit(1);
}
