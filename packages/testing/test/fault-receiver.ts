/**
 * A receiver as the READMEs set it up (Express, the one-line mount) on a given store, and a
 * local Passfort sending it batches with Passfort's real 5 s deadline: shared by the fault
 * tests (short forms) and `pnpm faults` (long forms).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createPassfortWebhooks, type PassfortWebhooks } from '@passfort-webhooks/core';
import { webhooksMiddleware } from '@passfort-webhooks/core/node';
import type { DedupeStore } from '@passfort-webhooks/core/store';
import { createEmulator, type RequestReport } from '../src/emulator.js';

const SECRET = 'deadline-fault-secret';

/** Builds the receiver and the sender; `cleanups` gets what closes them, to run in reverse. */
export async function faultReceiverOn(store: DedupeStore, cleanups: (() => Promise<unknown>)[]) {
  const webhooks: PassfortWebhooks = createPassfortWebhooks({
    secret: SECRET,
    store,
    logger: false,
    // Passfort's 5 s batched deadline, with the receiver's own budget below it (the default).
  });
  const handled: string[] = [];
  webhooks.onAny(async (event) => {
    handled.push(event.id);
  });
  // The Connect-style mount the Express adapter is made of, on a bare node:http server: this
  // package's tests need no framework (and must not depend on an adapter that depends on it).
  const middleware = webhooksMiddleware(webhooks, '/webhooks/passfort');
  const server: Server = createServer((req, res) =>
    middleware(req, res, () => {
      res.writeHead(404).end();
    }),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(
    () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(resolve);
      }),
  );
  cleanups.push(() => webhooks.close());
  const reports: RequestReport[] = [];
  const emulator = createEmulator({
    target: `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/passfort`,
    secret: SECRET,
    batching: true,
    timeScale: 0.001,
    batchIntervalMs: 0,
    // Passfort's real deadline: an answer later than this is a failed request.
    deadlineMs: { batched: 5_000 },
    onRequest: (report) => void reports.push(report),
  });
  cleanups.push(() => emulator.close());
  return { webhooks, handled, emulator, reports };
}

/** Requests that got no answer before Passfort's deadline (aborted, or no response at all). */
export const unanswered = (reports: readonly RequestReport[]) =>
  reports.filter((report) => report.status === null);
