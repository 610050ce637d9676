/**
 * The Next.js example: the route handler called with a `Request`, as Next calls it; then the
 * real thing — `next build` (it works offline here) and `next start`, receiving a 5 MB batch
 * over HTTP. Each run works in a Postgres schema of its own.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import {
  httpRequest,
  KIT_SECRET,
  kitBatch,
  kitHeaders,
  kitLargeBatch,
} from '@passfort-webhooks/testing/conformance';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const BASE_URL = process.env['DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
const exampleDir = fileURLToPath(new URL('../../../../../', import.meta.url));
const schema = `pfw_next_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
const schemaUrl = `${BASE_URL}${BASE_URL.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${schema}`)}`;

async function postgresReachable(): Promise<boolean> {
  const client = new pg.Client({ connectionString: BASE_URL, connectionTimeoutMillis: 1000 });
  try {
    await client.connect();
    return true;
  } catch (error) {
    if (process.env['CI'] === 'true') throw error;
    console.warn(
      `skipping the Next.js example: Postgres is not reachable (${(error as Error).message})`,
    );
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

const admin = new pg.Pool({ connectionString: BASE_URL, max: 1 });
const applications = async () =>
  (await admin.query(`SELECT count(*)::int AS n FROM ${schema}.applications`)).rows[0].n as number;

if (await postgresReachable()) {
  beforeAll(async () => {
    await admin.query(`CREATE SCHEMA ${schema}`);
    process.env['DATABASE_URL'] = schemaUrl;
    process.env['PASSFORT_WEBHOOK_SECRET'] = KIT_SECRET;
    // The deploy-time migration, as `pnpm migrate` runs it.
    await promisify(execFile)(process.execPath, ['--import', 'tsx', 'src/lib/migrate.ts'], {
      cwd: exampleDir,
      env: { ...process.env, DATABASE_URL: schemaUrl },
    });
  });
  afterAll(async () => {
    const cache = globalThis as {
      passfortWebhooks?: { close(): Promise<void> };
      passfortPool?: pg.Pool;
    };
    await cache.passfortWebhooks?.close();
    await cache.passfortPool?.end();
    await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await admin.end();
  });

  describe('the App Router route handler', () => {
    it('answers a Request with the receiver’s Response, and a redelivery is a duplicate', async () => {
      const { POST } = await import('./route.js');
      const request = () =>
        new Request('http://localhost/api/webhooks/passfort', {
          method: 'POST',
          headers: kitHeaders(),
          body: JSON.stringify(kitBatch(3)),
        });
      const first = await POST(request());
      expect(first.status).toBe(200);
      expect(await applications()).toBe(3);
      const again = await POST(request());
      expect(again.status).toBe(200);
      expect(again.headers.get('passfort-webhooks-counts')).toContain('duplicates=3');
    });
  });

  describe('next build and next start', () => {
    let server: ChildProcess | undefined;
    afterAll(() => {
      // next start runs its server in child processes: end the whole group.
      if (server?.pid !== undefined) {
        try {
          process.kill(-server.pid, 'SIGKILL');
        } catch {}
      }
    });

    it('builds offline, and the started app receives a 5 MB batch whole', async () => {
      const env = {
        ...process.env,
        DATABASE_URL: schemaUrl,
        PASSFORT_WEBHOOK_SECRET: KIT_SECRET,
        NEXT_TELEMETRY_DISABLED: '1',
      };
      const next = fileURLToPath(import.meta.resolve('next/dist/bin/next'));
      await promisify(execFile)(process.execPath, [next, 'build'], { cwd: exampleDir, env });
      server = spawn(process.execPath, [next, 'start', '-p', '0', '-H', '127.0.0.1'], {
        cwd: exampleDir,
        env,
        detached: true,
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      const url = await new Promise<string>((resolve, reject) => {
        let output = '';
        server!.stdout!.on('data', (chunk: Buffer) => {
          output += chunk.toString();
          const match = /http:\/\/[\d.]+:(\d+)/.exec(output);
          if (match) resolve(`http://127.0.0.1:${match[1]}`);
        });
        server!.once('exit', (code) => reject(new Error(`next start exited (${code}): ${output}`)));
      });
      const before = await applications();
      const res = await httpRequest(`${url}/api/webhooks/passfort`, {
        method: 'POST',
        headers: kitHeaders(),
        body: JSON.stringify(kitLargeBatch()),
      });
      expect(res.status).toBe(200);
      expect(res.counts).toMatchObject({ received: 100 });
      // The kit batch reuses application ids 0..99, of which the first three exist already.
      expect(await applications()).toBe(Math.max(before, 100));
    }, 180_000);
  });
}
