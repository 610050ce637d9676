// pnpm bench [--quick]: the HTTP comparison against bare routes, then the store, diff and
// instrumentation figures of @passfort-webhooks/core, the SQLite store against INSERT OR
// IGNORE by hand with the memory it holds after 1 M ids, then what ctx.transaction costs.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
/** A bench file of @passfort-webhooks/core, run by its tsx. */
const coreBench = (file) => [
  'pnpm',
  ['--silent', '--filter', '@passfort-webhooks/core', 'exec', 'tsx', file, ...args],
];
const steps = [
  [process.execPath, [join(here, 'http-bench.mjs'), ...args]],
  ['pnpm', ['--silent', '--filter', '@passfort-webhooks/core', 'bench', ...args]],
  coreBench('bench/sqlite-store-bench.ts'),
  // ctx.transaction against the same transaction written by hand, Postgres, MariaDB, SQLite.
  coreBench('bench/transaction-bench.ts'),
];
for (const [command, commandArgs] of steps) {
  const { status } = spawnSync(command, commandArgs, { stdio: 'inherit' });
  if (status !== 0) process.exit(status ?? 1);
}
