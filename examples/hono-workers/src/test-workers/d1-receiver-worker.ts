/**
 * A receiver on D1 whose handler writes through ctx.commitOnce, for d1-store.test.ts. `MODE`
 * says where the handler stops as if the isolate died: `hang-after-commit` (committed, not yet
 * completed), `hang-before-commit`, or `normal`. `/state?id=` tells what was written for an id
 * and what each run's commitOnce answered; `/sql` runs one statement (a test's trigger).
 */
import {
  createPassfortWebhooks,
  type FetchOptions,
  type PassfortWebhooks,
} from '@passfort-webhooks/core';
import { type D1DatabaseLike, type D1Store, d1Store } from '@passfort-webhooks/core/d1';

interface Env {
  PASSFORT_WEBHOOK_SECRET: string;
  DB: D1DatabaseLike;
  MODE: 'normal' | 'hang-after-commit' | 'hang-before-commit';
}

/** Longer than any test: the isolate is disposed of while the handler waits. */
const hang = () => new Promise((resolve) => setTimeout(resolve, 120_000));

const runs: { id: string; applied: boolean }[] = [];
let webhooks: PassfortWebhooks<D1DatabaseLike> | undefined;
let store: D1Store<D1DatabaseLike> | undefined;

function receiver(env: Env) {
  if (webhooks !== undefined) return webhooks;
  store = d1Store({ database: env.DB });
  webhooks = createPassfortWebhooks({
    secret: env.PASSFORT_WEBHOOK_SECRET,
    store,
    // A crashed isolate's claim ends 1 s after its last renewal.
    leaseMs: 1_000,
    deadlineMs: { batch: 500, single: 500 },
    logger: false,
  });
  webhooks.on('CHECK_COMPLETED', async (event, ctx) => {
    if (env.MODE === 'hang-before-commit') await hang();
    const { applied } = await ctx.commitOnce((db) => [
      db
        .prepare('INSERT INTO checks (webhook_id, check_id, decision) VALUES (?, ?, ?)')
        .bind(event.id, event.data.check.id, event.data.check.decision),
    ]);
    runs.push({ id: event.id, applied });
    if (env.MODE === 'hang-after-commit') await hang();
  });
  return webhooks;
}

export default {
  async fetch(request: Request, env: Env, ctx: FetchOptions): Promise<Response> {
    const url = new URL(request.url);
    const webhooks = receiver(env);
    if (url.pathname === '/migrate') {
      await store!.migrate();
      await env.DB.prepare(
        'CREATE TABLE IF NOT EXISTS checks (seq INTEGER PRIMARY KEY AUTOINCREMENT, webhook_id TEXT, check_id TEXT, decision TEXT)',
      ).all();
      return new Response(null, { status: 204 });
    }
    if (url.pathname === '/state') {
      const id = url.searchParams.get('id');
      const { results = [] } = await env.DB.prepare(
        'SELECT check_id, decision FROM checks WHERE webhook_id = ? ORDER BY seq',
      )
        .bind(id)
        .all();
      return Response.json({ checks: results, runs: runs.filter((run) => run.id === id) });
    }
    if (url.pathname === '/sql') {
      await env.DB.prepare(await request.text()).all();
      return new Response(null, { status: 204 });
    }
    return webhooks.fetch(request, ctx);
  },
};
