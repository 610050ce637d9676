/** Run once at deploy time (`pnpm migrate`), never on a request: the store's and the app's tables. */
import { postgresStore } from '@passfort-webhooks/core/postgres';
import { APPLICATIONS_SQL } from './handlers';
import { database } from './passfort';

const pool = database();
await postgresStore({ pool, logger: false, pruneIntervalMs: 0 }).migrate();
await pool.query(APPLICATIONS_SQL);
await pool.end();
