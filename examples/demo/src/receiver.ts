/**
 * The demo's receiver, in a process of its own so that the demo can SIGKILL it: the Express
 * example on its SQLite file store (examples/express/src/store.ts), with a loop guard on the
 * same file, and one handler for every event that records its effect with ctx.transaction
 * (a row of demo_effects, committed with the webhook's completion: exactly once, even across
 * the kill). What each webhook should do (fail once, fail for ever, or be the one the
 * receiver is killed in) is in demo_plan, written by the demo before Passfort sends it.
 *
 * env: DEMO_DB (the file), PORT, DEMO_SECRET, DEMO_CRASH=1 (this run is the one to kill).
 */
import { createServer } from 'node:http';
import { sqliteLoopGuardStore } from '@passfort-webhooks/core/sqlite';
import { createLoopGuard } from '@passfort-webhooks/core/sync';
import { createApp } from '../../express/src/app.js';
import { openStore } from '../../express/src/store.js';

const file = process.env['DEMO_DB']!;
const crashHere = process.env['DEMO_CRASH'] === '1';

const { store, driver, client } = await openStore(file);
const loopGuard = createLoopGuard({ store: sqliteLoopGuardStore({ driver }) });
const db = { applicationStatus: new Map(), checksToFetch: [] };
// The demo makes handlers fail on purpose and counts them itself: no console logger. A short
// lease, so that the claims of the killed process end in 2 s rather than the default 9 s.
const { app, webhooks } = createApp(process.env['DEMO_SECRET']!, db, {
  store,
  loopGuard,
  maxAttempts: 4,
  leaseMs: 2_000,
  logger: false,
});

webhooks.onAny(async (event, ctx) => {
  const [plan] = (
    await client.execute({ sql: 'SELECT fate FROM demo_plan WHERE id = ?', args: [event.id] })
  ).rows;
  const fate = plan?.['fate'];
  if (fate === 'poison' || (fate === 'fail-once' && ctx.attempt === 1)) {
    // Counted outside the transaction (a statistic, not an effect), through the store's
    // driver: a write of its own on the client, refused while the demo's other process
    // writes, would hold up that connection (see libsqlDriver).
    await countFailure(event.id);
    throw new Error(
      fate === 'poison' ? 'this webhook always fails' : 'injected failure, first attempt',
    );
  }
  await ctx.transaction(async (tx) => {
    await tx.execute({
      sql: 'INSERT INTO demo_effects (webhook_id, done_at, pid) VALUES (?, ?, ?)',
      args: [event.id, Date.now(), process.pid],
    });
    if (fate === 'crash' && crashHere) {
      // The effect is written, not committed; the batch's earlier webhooks are done, its
      // answer not sent. The demo kills this process now.
      process.send?.({ crashing: event.id });
      await new Promise(() => {});
    }
  });
});

async function countFailure(id: string): Promise<void> {
  for (let tries = 0; tries < 100; tries++) {
    try {
      await driver.query('INSERT INTO demo_failures (webhook_id) VALUES (?)', [id]);
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 10)); // busy: the other process writes
    }
  }
}

// The demo stops its receiver; if the demo itself dies, so does the receiver.
process.on('disconnect', () => process.exit(1));

const server = createServer(app).listen(Number(process.env['PORT']), '127.0.0.1', () => {
  process.send?.({ listening: process.pid });
});
process.on('SIGTERM', () => {
  server.close();
  void webhooks
    .close()
    .then(() => client.close())
    .finally(() => process.exit(0));
});
