import { createApp, type Database } from './app.js';
import { openStore } from './store.js';

const port = Number(process.env['PORT'] ?? 3000);
const secret = process.env['PASSFORT_WEBHOOK_SECRET'] ?? 'dev-secret';
if (process.env['PASSFORT_WEBHOOK_SECRET'] === undefined) {
  console.warn('PASSFORT_WEBHOOK_SECRET is not set: using the development secret "dev-secret"');
}

const db: Database = { applicationStatus: new Map(), checksToFetch: [] };
// A SQLite file (WEBHOOKS_DB, default ./webhooks.db): see store.ts for Postgres or Redis.
const { store } = await openStore();
const { app } = createApp(secret, db, { store });
app.listen(port, () => {
  console.log(`Express app listening on http://localhost:${port}/webhooks/passfort`);
});
