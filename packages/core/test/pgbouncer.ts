/**
 * A real PgBouncer in transaction mode in front of the test database, started by a test file and
 * stopped by it. PgBouncer is not one of the shared services (services.ts): without its binary
 * the tests that need it skip, saying why.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { DATABASE_URL } from './services.js';

/** Whether `pgbouncer` is on PATH; when not, prints why the PgBouncer tests skip. */
export function pgbouncerOnPath(): boolean {
  try {
    execFileSync('pgbouncer', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    console.warn(
      'skipping the PgBouncer tests: no pgbouncer binary on PATH (apt-get install pgbouncer)',
    );
    return false;
  }
}

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

export interface RunningPgBouncer {
  /** The connection string through PgBouncer to DATABASE_URL's database. */
  url: string;
  /** Ends PgBouncer and removes its configuration folder. */
  stop(): Promise<void>;
}

/**
 * PgBouncer in transaction mode with 3 server connections (fewer than the tests' pools ask for,
 * so that transactions share them), once it answers a query.
 */
export async function startPgBouncer(): Promise<RunningPgBouncer> {
  const target = new URL(DATABASE_URL);
  const port = await freePort();
  const folder = mkdtempSync(join(tmpdir(), 'pfw-pgbouncer-'));
  let bouncer: ChildProcess | undefined;
  const stop = async () => {
    if (bouncer?.exitCode === null) {
      const exited = new Promise((resolve) => bouncer!.once('exit', resolve));
      bouncer.kill('SIGTERM');
      await exited;
    }
    rmSync(folder, { recursive: true, force: true });
  };
  try {
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
    const url = `postgres://${target.username}@127.0.0.1:${port}${target.pathname}`;
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
    return { url, stop };
  } catch (error) {
    // Not started after all: nothing of it may outlive the test file.
    await stop();
    throw error;
  }
}
