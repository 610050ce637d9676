import { execFile } from 'node:child_process';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { createPassfortWebhooks } from '@passfort-webhooks/core';
import { fromIncomingMessage, writeServerResponse } from '@passfort-webhooks/core/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const cli = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));
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
  const handledIds: string[] = [];
  let url = '';
  const server = createServer(async (req, res) => {
    if (req.url !== '/webhooks') {
      res.writeHead(404).end();
      return;
    }
    writeServerResponse(res, await webhooks.handle(fromIncomingMessage(req)));
  });
  const webhooks = createPassfortWebhooks({ secret });
  webhooks.onAny((event) => {
    received.push(event.event);
    handledIds.push(event.id);
  });
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

  it('exits 3 when no connection can be made: a port that was just bound, then released', async () => {
    const refused = await closedPort();
    const sent = await run('send', 'CHECK_COMPLETED', '--target', refused, '--secret', secret);
    expect(sent.code).toBe(3);
    expect(sent.stderr).toContain('cannot reach');
    expect(sent.stderr).toContain('ECONNREFUSED');
    const emulated = await run('emulate', '--target', refused, '--secret', secret, '--events', '5');
    expect(emulated.code).toBe(3);
    expect(emulated.stderr).toContain('cannot reach');
  });

  it('exits 1, not 3, when the receiver is reached but answers after the deadline', async () => {
    const slow = await plainServer(() => {}); // never answers
    try {
      const result = await run(
        'send',
        'CHECK_COMPLETED',
        '--target',
        slow.url,
        '--secret',
        secret,
        '--deadline',
        '0.3',
      );
      expect(result.code).toBe(1);
      expect(result.stderr).toContain('no answer within the deadline');
      expect(result.stderr).toContain('not delivered: CHECK_COMPLETED');
      expect(slow.seen).toEqual(['POST /hook']);
    } finally {
      await slow.close();
    }
  });

  it('does not follow a redirect: send exits 1 naming the Location, emulate stops on it', async () => {
    const redirecting = await plainServer((_req, res) =>
      res.writeHead(308, { location: 'https://example.test/hook/' }).end(),
    );
    try {
      const sent = await run(
        'send',
        'CHECK_COMPLETED',
        '--target',
        redirecting.url,
        '--secret',
        secret,
      );
      expect(sent.code).toBe(1);
      expect(sent.stderr).toContain('refused: 308 redirect to https://example.test/hook/');
      expect(sent.stdout).not.toContain('delivered');
      const emulated = await run(
        'emulate',
        '--target',
        redirecting.url,
        '--secret',
        secret,
        '--events',
        '5',
      );
      expect(emulated.code).toBe(1);
      expect(emulated.stderr).toContain('stopped: the receiver answered 308');
      expect(emulated.stderr).toContain('https://example.test/hook/');
      // Only POSTs to the target itself: nothing followed the Location.
      expect(new Set(redirecting.seen)).toEqual(new Set(['POST /hook']));
    } finally {
      await redirecting.close();
    }
  });

  it('emulate sends no HEAD probe: a receiver that hangs on HEAD gets every webhook', async () => {
    const headHanger = await plainServer((req, res) => {
      if (req.method === 'HEAD') return;
      res.writeHead(200).end();
    });
    try {
      const result = await run(
        'emulate',
        '--target',
        headHanger.url,
        '--secret',
        secret,
        '--events',
        '3',
        '--rate',
        '1000',
      );
      expect(result.code).toBe(0);
      expect(headHanger.seen).toEqual(['POST /hook', 'POST /hook', 'POST /hook']);
    } finally {
      await headHanger.close();
    }
  });

  it('emulates answers lost after processing: every webhook is redelivered until acked and handled once', async () => {
    const before = handledIds.length;
    const result = await run(
      'emulate',
      '--target',
      url,
      '--secret',
      secret,
      '--events',
      '40',
      '--rate',
      '2000',
      '--loss-after',
      '0.3',
      '--loss-before',
      '0.1',
      '--time-scale',
      '0.001',
    );
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/processed, answer lost\s+\|\s+\d+ \|/);
    const ids = handledIds.slice(before);
    expect(ids).toHaveLength(40);
    expect(new Set(ids).size).toBe(40);
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

/** A URL on which nothing listens: a port that was just bound, then released. */
async function closedPort(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}/hook`;
}

/** A plain node:http receiver at /hook that records `METHOD path` of every request. */
async function plainServer(answer: (req: IncomingMessage, res: ServerResponse) => void) {
  const seen: string[] = [];
  const server = createServer((req, res) => {
    seen.push(`${req.method} ${req.url}`);
    req.resume();
    req.on('end', () => answer(req, res));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
