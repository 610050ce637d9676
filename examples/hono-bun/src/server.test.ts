// Starts this example in Bun itself and sends it a webhook over real HTTP.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { DELIVERY_COUNTS_HEADER, parseDeliveryCounts } from '@passfort-webhooks/core/adapter';
import { afterAll, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
const binary = fileURLToPath(new URL('../node_modules/.bin/bun', import.meta.url));
const present = existsSync(binary);
if (!present && process.env['CI'] === 'true')
  throw new Error('bun is not installed (required under CI=true)');
if (!present) console.warn('skipping the Bun example test: bun is not installed');

let child: ChildProcess | undefined;
afterAll(() => {
  // node_modules/.bin holds a shell script that starts the runtime as its own child:
  // killing the script alone would leave the runtime serving. Kill the whole group.
  if (child?.pid !== undefined && child.exitCode === null) process.kill(-child.pid, 'SIGKILL');
});

it.runIf(present)(
  'serves the webhook route in Bun',
  async () => {
    const port = 20_000 + Math.floor(Math.random() * 20_000);
    child = spawn(binary, ['run', 'src/server.ts'], {
      cwd: root,
      detached: true,
      env: { ...process.env, PORT: String(port), PASSFORT_WEBHOOK_SECRET: 'example-secret' },
    });
    await new Promise<void>((resolve, reject) => {
      child!.stdout!.on('data', (chunk: Buffer) => {
        if (chunk.toString().includes('listening')) resolve();
      });
      child!.once('exit', (code) => reject(new Error(`bun exited with ${code}`)));
    });
    const response = await fetch(`http://127.0.0.1:${port}/webhooks/passfort`, {
      method: 'POST',
      headers: { authorization: 'Bearer example-secret', 'content-type': 'application/json' },
      body: JSON.stringify({
        id: 'w-1',
        event: 'CHECK_COMPLETED',
        secret: 'example-secret',
        timestamp: 1,
        data: { profile_id: 'p', check: { id: 'c', decision: 'PASS' } },
      }),
    });
    expect(response.status).toBe(200);
    expect(parseDeliveryCounts(response.headers.get(DELIVERY_COUNTS_HEADER))).toMatchObject({
      processed: 1,
    });
  },
  60_000,
);
