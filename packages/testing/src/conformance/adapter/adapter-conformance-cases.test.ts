/**
 * The kit run by a jest or vitest user prints nothing unless asked: its cases refuse requests
 * and fail handlers on purpose, and each of those would be a warning or an error on the console.
 */
import { createServer } from 'node:http';
import { fromIncomingMessage, writeServerResponse } from '@passfort-webhooks/core/node';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { listenOnLoopback } from '../http-request.js';
import { adapterConformanceCases } from './adapter-conformance-cases.js';
import type { AdapterTarget } from './adapter-target.js';

/** The smallest adapter: Node's own server over the Node bridge. */
const target: AdapterTarget = {
  start(receiver) {
    return listenOnLoopback(
      createServer(async (req, res) => {
        if (req.url === '/health') return void res.end('ok');
        writeServerResponse(res, await receiver.handle(fromIncomingMessage(req)));
      }),
    );
  },
};

/** Runs the cases that make the receiver log (refusals and a failing handler). */
async function runLoggingCases() {
  const lines: unknown[] = [];
  for (const method of ['log', 'info', 'warn', 'error', 'debug'] as const) {
    vi.spyOn(console, method).mockImplementation((...args) => void lines.push(args));
  }
  for (const check of adapterConformanceCases(target)) {
    if (/refuses a wrong Bearer|stops a batch at a failing handler/.test(check.name))
      await check.run();
  }
  return lines;
}

describe('the adapter kit’s receivers', () => {
  afterEach(() => {
    vi.restoreAllMocks();
    vi.unstubAllEnvs();
  });

  it('log nothing by default', async () => {
    expect(await runLoggingCases()).toEqual([]);
  });

  it('log as an app’s receiver would with PASSFORT_WEBHOOKS_KIT_LOGS=1', async () => {
    vi.stubEnv('PASSFORT_WEBHOOKS_KIT_LOGS', '1');
    expect((await runLoggingCases()).length).toBeGreaterThan(0);
  });
});
