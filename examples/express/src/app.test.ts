import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PassfortWebhooksOptions } from '@passfort-webhooks/core';
import { afterEach, expect, it } from 'vitest';
import { createApp, type Database } from './app.js';
import { openStore } from './store.js';

const envelope = (id: string, event: string, data: object) => ({
  id,
  event,
  secret: 'example-secret',
  timestamp: 1568997222,
  data,
});
const batch = [
  envelope('1', 'PRODUCT_STATUS_CHANGED', {
    application_id: 'app-1',
    new_status: 'IN_REVIEW',
    product: { alias: 'KYC' },
    user: null,
  }),
  envelope('2', 'CHECK_COMPLETED', {
    profile_id: 'p-1',
    check: { id: 'c-1', check_type: 'IDENTITY_CHECK', decision: 'PASS', result: 'Pass' },
  }),
];

/** The example app on a port of its own; posts `batch` once and stops. */
async function postBatch(db: Database, options: Partial<PassfortWebhooksOptions> = {}) {
  const { app, webhooks } = createApp('example-secret', db, options);
  const server = createServer(app).listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const { port } = server.address() as AddressInfo;
  try {
    return await fetch(`http://127.0.0.1:${port}/webhooks/passfort`, {
      method: 'POST',
      headers: { authorization: 'Bearer example-secret', 'content-type': 'application/json' },
      body: JSON.stringify(batch),
    });
  } finally {
    server.close();
    await webhooks.close();
  }
}

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

it('updates the app database from a batch posted to the mounted route (memory store)', async () => {
  const db: Database = { applicationStatus: new Map(), checksToFetch: [] };
  const res = await postBatch(db);
  expect(res.status).toBe(200);
  expect(db.applicationStatus.get('app-1')).toBe('IN_REVIEW');
  expect(db.checksToFetch).toEqual(['p-1/c-1']);
});

it('remembers the handled batch in its SQLite file across a restart: the redelivery runs no handler', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'example-express-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'webhooks.db');
  const db: Database = { applicationStatus: new Map(), checksToFetch: [] };

  const before = await openStore(file);
  expect((await postBatch(db, { store: before.store })).status).toBe(200);
  before.client.close(); // the process stops

  const after = await openStore(file); // and starts again on the same file
  try {
    const again = await postBatch(db, { store: after.store });
    expect(again.status).toBe(200);
    expect(again.headers.get('passfort-webhooks-counts')).toContain('duplicates=2');
    expect(db.checksToFetch).toEqual(['p-1/c-1']);
  } finally {
    after.client.close();
  }
});
