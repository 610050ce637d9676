/**
 * A PostgreSQL cluster of the test's own (initdb into a temporary folder, run as the
 * `postgres` user on another port), so a test can stop it abruptly and start it again
 * without touching the machine's shared server. Needs the server binaries and root (to run
 * them as `postgres`); otherwise the tests that use it skip with a reason.
 */
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const BIN = '/usr/lib/postgresql/15/bin';

export interface ThrowawayPostgres {
  readonly url: string;
  /** Stops the server at once (`pg_ctl stop -m immediate`): a crash, as far as clients can tell. */
  crash(): Promise<void>;
  start(): Promise<void>;
  dispose(): Promise<void>;
}

/** True when a throwaway cluster can be made here; under CI=true a missing one fails. */
export function throwawayPostgresAvailable(): boolean {
  const ok =
    existsSync(join(BIN, 'initdb')) && process.getuid?.() === 0 && existsSync('/usr/sbin/runuser');
  if (!ok && process.env['CI'] === 'true') {
    throw new Error('a throwaway PostgreSQL cluster cannot be made here (required under CI=true)');
  }
  if (!ok) console.warn('skipping Postgres fault tests: no PostgreSQL 15 binaries or not root');
  return ok;
}

export async function throwawayPostgres(): Promise<ThrowawayPostgres> {
  const dir = mkdtempSync(join(tmpdir(), 'pfw-pg-'));
  execFileSync('chown', ['postgres', dir]);
  const data = join(dir, 'data');
  const port = 20_000 + Math.floor(Math.random() * 20_000);
  const asPostgres = (command: string, args: string[]) =>
    run('runuser', ['-u', 'postgres', '--', join(BIN, command), ...args]);
  await asPostgres('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync']);
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`;
  const start = async () => {
    await asPostgres('pg_ctl', ['start', '-w', '-D', data, '-o', options, '-l', join(dir, 'log')]);
  };
  const stop = async (mode: string) => {
    await asPostgres('pg_ctl', ['stop', '-D', data, '-m', mode]).catch(() => {});
  };
  await start();
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    crash: () => stop('immediate'),
    start,
    async dispose() {
      await stop('immediate');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
