/**
 * Runs the sync app against a local Passfort (fake collected_data API that fires webhooks),
 * makes a few edits on both sides, and prints what happened.
 */
import { createEmulator, FakePassfortApi } from '@passfort-webhooks/testing';
import { createSyncApp } from './sync-app.js';

const secret = 'dev-secret';
const apiKey = 'dev-api-key';
const api = new FakePassfortApi({ apiKey });
api.seed('profile-1', { entity_type: 'INDIVIDUAL', contact_details: { email: 'ada@example.com' } });
const baseUrl = await api.listen();
const sync = createSyncApp({ webhookSecret: secret, apiKey, passfortBaseUrl: baseUrl });
const { url, server } = await sync.listen(Number(process.env['PORT'] ?? 3000));
const passfort = createEmulator({ target: `${url}/webhooks/passfort`, secret, timeScale: 0.01 });
api.connect(passfort);

await sync.load('profile-1');
api.portalEdit('profile-1', (data) => ({ ...data, personal_details: { nationality: 'GBR' } }));
await passfort.drain();
await sync.editLocally('profile-1', (data) => ({
  ...data,
  contact_details: { email: 'ada@lovelace.org' },
}));
await passfort.drain();

console.log('our copy:     ', JSON.stringify(sync.table.get('profile-1')));
console.log('Passfort copy:', JSON.stringify(api.profiles.get('profile-1')?.data));
console.log(
  `API writes: ${api.writes.length}, webhooks: ${api.webhooksSent.length}, status:`,
  await sync.webhooks.status(),
);
await passfort.close();
server.close();
await api.close();
