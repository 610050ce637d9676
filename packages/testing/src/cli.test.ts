import { execFile } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { createPassfortWebhooks } from '@passfort-webhooks/core';
import { fromIncomingMessage, writeServerResponse } from '@passfort-webhooks/core/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const cli = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
const secret = 'cli-secret';

function run(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [cli, ...args], { timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({
        code: error === null ? 0 : ((error as { code?: number }).code ?? 1),
        stdout,
        stderr,
      });
    });
  });
}

describe('the passfort-webhooks CLI', () => {
  const received: string[] = [];
  let url = '';
  const server = createServer(async (req, res) => {
    writeServerResponse(res, await webhooks.handle(fromIncomingMessage(req)));
  });
  const webhooks = createPassfortWebhooks({ secret });
  webhooks.onAny((event) => void received.push(event.event));
  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('sends one webhook and exits 0 on a 200', async () => {
    const result = await run('send', 'PRODUCT_STATUS_CHANGED', '--target', url, '--secret', secret);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('200 received=1, processed=1, duplicates=0');
    expect(received).toContain('PRODUCT_STATUS_CHANGED');
  });

  it('exits 1 when the receiver refuses (wrong secret)', async () => {
    const result = await run('send', 'CHECK_COMPLETED', '--target', url, '--secret', 'wrong');
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('401');
  });

  it('exits 2 with a clear message for a bad URL, a missing option or an unknown command', async () => {
    expect(
      await run('send', 'CHECK_COMPLETED', '--target', 'not a url', '--secret', secret),
    ).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('--target must be an http(s) URL'),
    });
    expect(await run('emulate', '--target', url)).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('--secret is required'),
    });
    expect(await run('frobnicate')).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('unknown command'),
    });
  });

  it('exits 3 when the target cannot be reached', async () => {
    const result = await run(
      'send',
      'CHECK_COMPLETED',
      '--target',
      'http://127.0.0.1:1/x',
      '--secret',
      secret,
    );
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('cannot reach');
  });

  it('emulates a batched stream and prints a summary', async () => {
    const result = await run(
      'emulate',
      '--target',
      url,
      '--secret',
      secret,
      '--batch',
      '--events',
      '150',
      '--rate',
      '5000',
      '--time-scale',
      '0.001',
    );
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/\| events\s+\|\s+150 \|/);
    expect(result.stdout).toMatch(/queue at the end\s+\|\s+empty/);
  });

  it('prints help for each command', async () => {
    for (const command of ['send', 'emulate', 'api']) {
      const result = await run(command, '--help');
      expect(result.code).toBe(0);
      expect(result.stdout).toContain(`passfort-webhooks ${command}`);
    }
  });
});
