/** Run once at deploy time (`pnpm migrate`), never on a request: the store's and the app's tables. */
import { postgresStore } from '@passfort-webhooks/core/postgres';
import { APPLICATIONS_SQL } from './handlers';
import { database } from './passfort';

// No top-level await: a default create-next-app project is CommonJS to `tsx` (its package.json
// has no "type": "module"), where top-level await is a syntax error.
async function migrate(): Promise<void> {
  const pool = database();
  try {
    await postgresStore({ pool, logger: false, pruneIntervalMs: 0 }).migrate();
    await pool.query(APPLICATIONS_SQL);
  } finally {
    await pool.end();
  }
}

migrate().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
