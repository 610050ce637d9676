/**
 * The public DedupeStore kit, the store-level cases of `ctx.commitOnce`, and the public
 * LoopGuardStore kit on `sqliteLoopGuardStore` over `d1Driver`, run inside workerd on a D1 binding, for d1-store.test.ts: `GET /cases` lists them, `POST /run?name=…` runs one
 * and answers `{ outcome: 'passed' | 'skipped' | 'failed', reason? }`. The kit's file is bundled
 * directly (its package index pulls in node:http); it asserts with node:assert (nodejs_compat).
 */
import { WebhookBusyError } from '@passfort-webhooks/core';
import { type D1DatabaseLike, d1Driver, d1Store } from '@passfort-webhooks/core/d1';
import { sqliteLoopGuardStore } from '@passfort-webhooks/core/sqlite';
import { dedupeStoreConformanceCases } from '../../../../packages/testing/src/conformance/dedupe-store/index.js';
import { loopGuardStoreConformanceCases } from '../../../../packages/testing/src/conformance/loop-guard-store-cases.js';

interface Env {
  DB: D1DatabaseLike;
}

interface Case {
  readonly name: string;
  run(context: { skip(reason: string): never }): Promise<void>;
}

let tables = 0;
/** A store on tables of its own (one set per case), and a second store on them as another isolate. */
async function openStore(env: Env, retentionMs?: number) {
  const prefix = `t${++tables}_${crypto.randomUUID().slice(0, 8)}`;
  const options = {
    database: env.DB,
    table: `${prefix}_ids`,
    deadLetterTable: `${prefix}_dead`,
    ...(retentionMs === undefined ? {} : { retentionMs }),
  };
  const store = d1Store(options);
  await store.migrate();
  return {
    prefix,
    store,
    another: async () => d1Store(options),
    async cleanup() {
      await env.DB.batch(
        ['ids', 'dead', 'ids_effects', 'effects'].map((t) =>
          env.DB.prepare(`DROP TABLE IF EXISTS ${prefix}_${t}`),
        ),
      );
    },
  };
}

/** The SQLite loop-guard store on the D1 binding (through `d1Driver`), on a table of its own. */
async function openLoopGuardStore(env: Env) {
  const table = `t${++tables}_${crypto.randomUUID().slice(0, 8)}_loop_guard`;
  const open = () => sqliteLoopGuardStore({ driver: d1Driver(env.DB), table });
  const store = open();
  await store.migrate();
  return {
    store,
    another: async () => open(),
    async cleanup() {
      await env.DB.prepare(`DROP TABLE IF EXISTS ${table}`).all();
    },
  };
}

function fail(message: string): never {
  throw new Error(message);
}

/** ctx.commitOnce at the store: what a handler's statements and the effect record do together. */
function commitOnceCases(env: Env): Case[] {
  const withEffects = async (
    run: (
      fixture: Awaited<ReturnType<typeof openStore>>,
      effects: () => Promise<string[]>,
    ) => Promise<void>,
  ) => {
    const fixture = await openStore(env);
    await env.DB.prepare(
      `CREATE TABLE ${fixture.prefix}_effects (seq INTEGER PRIMARY KEY AUTOINCREMENT, webhook_id TEXT)`,
    ).all();
    const effects = async () =>
      (
        (
          await env.DB.prepare(
            `SELECT webhook_id FROM ${fixture.prefix}_effects ORDER BY seq`,
          ).all()
        ).results ?? []
      ).map((row) => (row as { webhook_id: string }).webhook_id);
    try {
      await run(fixture, effects);
    } finally {
      await fixture.cleanup();
    }
  };
  const insert = (prefix: string, id: string) => (db: D1DatabaseLike) => [
    db.prepare(`INSERT INTO ${prefix}_effects (webhook_id) VALUES (?)`).bind(id),
  ];
  return [
    {
      name: 'commitOnce: commits the statements once; a second call for the id writes nothing and says so',
      run: () =>
        withEffects(async ({ prefix, store, another }, effects) => {
          const first = await store.commitOnce('a', insert(prefix, 'a'));
          const again = await (await another()).commitOnce('a', insert(prefix, 'a'));
          if (!first.applied || first.results.length !== 1) fail(`first: ${JSON.stringify(first)}`);
          if (again.applied || again.results.length !== 0) fail(`again: ${JSON.stringify(again)}`);
          const rows = await effects();
          if (rows.join() !== 'a') fail(`effects: ${rows.join()}`);
        }),
    },
    {
      name: 'commitOnce: a failing statement writes nothing, neither the others nor the record, so a retry commits them',
      run: () =>
        withEffects(async ({ prefix, store }, effects) => {
          const failing = (db: D1DatabaseLike) => [
            ...insert(prefix, 'b')(db),
            db.prepare('INSERT INTO no_such_table VALUES (1)'),
          ];
          const error = await store.commitOnce('b', failing).then(
            () => fail('a failing statement was committed'),
            (e: unknown) => e,
          );
          if (!String(error).includes('no_such_table')) fail(`error: ${String(error)}`);
          if ((await effects()).length !== 0) fail('a statement of the failed batch was kept');
          const retry = await store.commitOnce('b', insert(prefix, 'b'));
          if (!retry.applied) fail('the retry was taken for a duplicate: the record was kept');
          if ((await effects()).join() !== 'b') fail(`effects: ${(await effects()).join()}`);
        }),
    },
    {
      name: 'commitOnce: a delivery whose claim another owner took over writes nothing (WebhookBusyError); the taker commits',
      run: () =>
        withEffects(async ({ prefix, store, another }, effects) => {
          await store.claim(['c'], { leaseMs: 200, owner: 'paused' });
          await new Promise((resolve) => setTimeout(resolve, 400));
          const taker = await another();
          const [took] = await taker.claim(['c'], { leaseMs: 30_000, owner: 'taker' });
          if (took?.status !== 'claimed') fail(`takeover: ${JSON.stringify(took)}`);
          const late = await store.commitOnce('c', insert(prefix, 'c'), { owner: 'paused' }).then(
            () => fail('the paused delivery committed'),
            (e: unknown) => e,
          );
          if (!(late instanceof WebhookBusyError)) fail(`late: ${String(late)}`);
          if ((await effects()).length !== 0) fail('the refused batch wrote its statements');
          const own = await taker.commitOnce('c', insert(prefix, 'c'), { owner: 'taker' });
          if (!own.applied || (await effects()).join() !== 'c') fail('the taker did not commit');
        }),
    },
    {
      name: 'commitOnce: an array of statements works as the function does, and a function that returns a promise is refused',
      run: () =>
        withEffects(async ({ prefix, store }, effects) => {
          const statements = insert(prefix, 'd')(env.DB);
          if (!(await store.commitOnce('d', statements)).applied) fail('not applied');
          const refused = await store
            .commitOnce('e', (async () => insert(prefix, 'e')(env.DB)) as never)
            .then(
              () => fail('an async function was accepted'),
              (e: unknown) => e,
            );
          if (!String(refused).includes('at once')) fail(`refused: ${String(refused)}`);
          if ((await effects()).join() !== 'd') fail(`effects: ${(await effects()).join()}`);
        }),
    },
  ];
}

function cases(env: Env): Case[] {
  const kit = dedupeStoreConformanceCases(({ retentionMs }) => openStore(env, retentionMs));
  return [
    ...kit.map((check) => ({
      name: check.name,
      run: (context: unknown) => (check.run as (c: unknown) => Promise<void>)(context),
    })),
    ...commitOnceCases(env),
    ...loopGuardStoreConformanceCases(() => openLoopGuardStore(env)).map((check) => ({
      name: `loop-guard store: ${check.name}`,
      run: () => check.run(),
    })),
  ];
}

const SKIP = Symbol('skip');

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const url = new URL(request.url);
    const all = cases(env);
    if (url.pathname === '/cases') return Response.json(all.map((each) => each.name));
    const check = all.find((each) => each.name === url.searchParams.get('name'));
    if (check === undefined) return new Response('no such case', { status: 404 });
    let reason: string | undefined;
    try {
      await check.run({
        skip(why: string): never {
          reason = why;
          throw SKIP;
        },
      });
      return Response.json({ outcome: 'passed' });
    } catch (error) {
      if (error === SKIP) return Response.json({ outcome: 'skipped', reason });
      const text =
        error instanceof Error ? `${error.message}\n${error.stack ?? ''}` : String(error);
      return Response.json({ outcome: 'failed', reason: text });
    }
  },
};
