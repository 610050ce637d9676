/**
 * A Redis server of the test's own, on a free port with its own data folder, so tests can
 * kill and restart it without touching the machine's shared instance. With `durable`, it
 * writes an append-only file fsynced on every write, so a restart loses nothing acknowledged.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface ThrowawayRedis {
  port: number;
  url: string;
  /** Kills the server at once (SIGKILL). */
  kill(): Promise<void>;
  /** Starts it again on the same port and data folder. */
  start(): Promise<void>;
  /** Freezes the server (SIGSTOP): connections stay open, nothing answers. */
  freeze(): void;
  /** Lets a frozen server run again (SIGCONT). */
  thaw(): void;
  /** Stops it and deletes its data folder. */
  dispose(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export async function throwawayRedis({ durable = true } = {}): Promise<ThrowawayRedis> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'pfw-redis-'));
  let child: ChildProcess | undefined;

  async function start(): Promise<void> {
    const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', ''];
    args.push(
      ...(durable ? ['--appendonly', 'yes', '--appendfsync', 'always'] : ['--appendonly', 'no']),
    );
    child = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    await new Promise<void>((resolve, reject) => {
      const onData = (chunk: Buffer) => {
        if (chunk.toString().includes('Ready to accept connections')) resolve();
      };
      child!.stdout!.on('data', onData);
      child!.once('error', reject);
      child!.once('exit', (code) => reject(new Error(`redis-server exited with ${code}`)));
    });
  }

  async function kill(): Promise<void> {
    const running = child;
    if (running === undefined || running.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      running.once('exit', () => resolve());
      running.kill('SIGKILL');
    });
  }

  await start();
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    kill,
    start,
    freeze: () => child?.kill('SIGSTOP'),
    thaw: () => child?.kill('SIGCONT'),
    async dispose() {
      child?.kill('SIGCONT'); // a frozen process cannot act on SIGKILL's exit notification otherwise
      await kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** True when a redis-server binary can be started here (else the fault tests skip). */
export async function redisServerAvailable(): Promise<boolean> {
  try {
    const redis = await throwawayRedis({ durable: false });
    await redis.dispose();
    return true;
  } catch (error) {
    if (process.env['CI'] === 'true')
      throw new Error(`redis-server cannot be started: ${(error as Error).message}`);
    console.warn(
      `skipping the store fault tests: redis-server cannot be started (${(error as Error).message})`,
    );
    return false;
  }
}
