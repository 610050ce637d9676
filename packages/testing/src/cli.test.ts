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
    if (req.url !== '/webhooks') {
      res.writeHead(404).end();
      return;
    }
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

  it('exits 1 and says it was not delivered when the receiver refuses (wrong secret, wrong path)', async () => {
    const wrongSecret = await run('send', 'CHECK_COMPLETED', '--target', url, '--secret', 'wrong');
    expect(wrongSecret.code).toBe(1);
    expect(wrongSecret.stderr).toContain('refused: 401');
    expect(wrongSecret.stderr).toContain('not delivered: CHECK_COMPLETED');
    expect(wrongSecret.stdout).not.toContain('delivered');
    const wrongPath = await run(
      'send',
      'CHECK_COMPLETED',
      '--target',
      `${url.replace(/\/webhooks$/, '')}/nowhere`,
      '--secret',
      secret,
    );
    expect(wrongPath.code).toBe(1);
    expect(wrongPath.stderr).toContain('refused: 404');
  });

  it('refuses an event name Passfort does not document, unless told to send it anyway', async () => {
    const lower = await run('send', 'product_status_changed', '--target', url, '--secret', secret);
    expect(lower).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('did you mean PRODUCT_STATUS_CHANGED?'),
    });
    const unknown = await run('send', 'NOT_AN_EVENT', '--target', url, '--secret', secret);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown event "NOT_AN_EVENT"');
    expect(unknown.stderr).toContain('CHECK_COMPLETED');
    expect(received).not.toContain('NOT_AN_EVENT');
    const anyway = await run(
      'send',
      'NOT_AN_EVENT',
      '--any-event',
      '--target',
      url,
      '--secret',
      secret,
    );
    expect(anyway.code).toBe(0);
    expect(anyway.stdout).toContain('delivered NOT_AN_EVENT');
    expect(received).toContain('NOT_AN_EVENT');
  });

  it('stops emulating at once on a configuration error, saying which', async () => {
    const result = await run('emulate', '--target', url, '--secret', 'wrong', '--events', '20');
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('stopped: the receiver answered 401 (wrong --secret)');
    // Had it retried for its 120 s drain timeout, the test's own timeout would fail it first.
    expect(result.stdout).toContain('last 401');
  });

  it('prints the usage and exits 2 without a command', async () => {
    const result = await run();
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('a command is required');
    expect(result.stderr).toContain('passfort-webhooks <command> [options]');
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
    // The live line counts requests and webhooks apart, with the last status.
    expect(result.stdout).toMatch(
      /requests \d+ \(failed 0, last 200\) · webhooks sent 150, acked 150, waiting 0/,
    );
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
