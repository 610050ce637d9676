import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect, it } from 'vitest';
import { createApp, type Database } from './app.js';

it('updates the app database from a batch posted to the mounted route', async () => {
  const db: Database = { applicationStatus: new Map(), checksToFetch: [] };
  const server = createServer(createApp('example-secret', db).app).listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const { port } = server.address() as AddressInfo;
  const envelope = (id: string, event: string, data: object) => ({
    id,
    event,
    secret: 'example-secret',
    timestamp: 1568997222,
    data,
  });
  const res = await fetch(`http://127.0.0.1:${port}/webhooks/passfort`, {
    method: 'POST',
    headers: { authorization: 'Bearer example-secret', 'content-type': 'application/json' },
    body: JSON.stringify([
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
    ]),
  });
  server.close();
  expect(res.status).toBe(200);
  expect(db.applicationStatus.get('app-1')).toBe('IN_REVIEW');
  expect(db.checksToFetch).toEqual(['p-1/c-1']);
});
