import { expect, it } from 'vitest';
import { createApp, type Database } from './app.js';

it('updates the app database from a webhook posted to the Hono route', async () => {
  const db: Database = { applicationStatus: new Map(), changedProfiles: new Set() };
  const { app } = createApp('example-secret', db);
  const res = await app.request('/webhooks/passfort', {
    method: 'POST',
    headers: { authorization: 'Bearer example-secret', 'content-type': 'application/json' },
    body: JSON.stringify({
      id: '1',
      event: 'COLLECTED_DATA_CHANGED',
      secret: 'example-secret',
      timestamp: 1568997222,
      data: {
        profile_id: 'p-9',
        old_data: null,
        new_data: { entity_type: 'INDIVIDUAL' },
        user: null,
      },
    }),
  });
  expect(res.status).toBe(200);
  expect([...db.changedProfiles]).toEqual(['p-9']);
});
