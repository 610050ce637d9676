// A receiver in its own process on a shared SQLite file (libsql: the client or the Database), run from the source through
// tsx, for the test of several processes on one file. Its handler records each webhook's
// effect through ctx.transaction as one row of `effects` (no unique constraint: a doubled
// effect is a second row), with this process's pid, then waits a little so that another
// process's claim or redelivery often lands while the first is still at work.
// argv: one JSON of SqliteReceiverOptions. Sends { port } when listening; on the message
// 'close' it closes the receiver (a queue receiver first drains its queue) and exits 0.
import { createServer } from 'node:http';
import { createClient } from '@libsql/client';
import Libsql from 'libsql';
import { createPassfortWebhooks } from '../../src/index.js';
import { webhooksMiddleware } from '../../src/node/index.js';
import { libsqlDatabaseDriver, libsqlDriver, sqliteStore } from '../../src/sqlite/index.js';

export interface SqliteReceiverOptions {
  file: string;
  secret: string;
  delivery: 'inline' | 'queue';
  /** Most a handler waits inside its transaction, at random. */
  pauseMs: number;
  /** `@libsql/client`, or the `libsql` package's synchronous Database. @default 'client' */
  driver?: 'client' | 'database';
}

const options = JSON.parse(process.argv[2] ?? '{}') as SqliteReceiverOptions;
const client = createClient({ url: `file:${options.file}` });
const store =
  options.driver === 'database'
    ? sqliteStore({
        driver: libsqlDatabaseDriver({ open: () => new Libsql(options.file) }),
        pruneIntervalMs: 0,
      })
    : sqliteStore({ driver: libsqlDriver({ client }), pruneIntervalMs: 0 });
const webhooks = createPassfortWebhooks({
  secret: options.secret,
  store,
  delivery: options.delivery,
  logger: false,
});
webhooks.onAny(async (event, ctx) => {
  await ctx.transaction(async (tx: unknown) => {
    const insert = 'INSERT INTO effects (webhook_id, pid) VALUES (?, ?)';
    if (options.driver === 'database') {
      (tx as Libsql.Database).prepare(insert).run(event.id, process.pid);
    } else {
      await (tx as { execute(s: { sql: string; args: unknown[] }): Promise<unknown> }).execute({
        sql: insert,
        args: [event.id, process.pid],
      });
    }
    await new Promise((resolve) => setTimeout(resolve, Math.random() * options.pauseMs));
  });
});

const middleware = webhooksMiddleware(webhooks, '/webhooks/passfort');
const server = createServer((req, res) =>
  middleware(req, res, () => {
    res.writeHead(404).end();
  }),
).listen(0, '127.0.0.1', () => {
  const address = server.address();
  process.send?.({ port: typeof address === 'object' && address !== null ? address.port : 0 });
});

process.on('message', async (message) => {
  if (message !== 'close') return;
  await webhooks.close();
  await store.close?.();
  server.close();
  client.close();
  process.exit(0);
});
