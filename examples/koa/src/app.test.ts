import type { AddressInfo } from 'node:net';
import { expect, it } from 'vitest';
import { createApp, type Database } from './app.js';

it('updates the app database from a batch posted through the Koa body parser', async () => {
  const db: Database = { applicationStatus: new Map(), riskLevels: new Map() };
  const server = createApp('example-secret', db).app.listen(0, '127.0.0.1');
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
        new_status: 'REJECTED',
        product: { alias: 'KYC' },
      }),
      envelope('2', 'RISK_LEVEL_CHANGED', { profile_id: 'p-1' }),
      envelope('3', 'RISK_SCORE_CHANGED', { profile_id: 'p-1' }),
    ]),
  });
  server.close();
  expect(res.status).toBe(200);
  expect(db.applicationStatus.get('app-1')).toBe('REJECTED');
  expect(db.riskLevels.get('p-1')).toBe(2);
});
