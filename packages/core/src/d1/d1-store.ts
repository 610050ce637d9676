import { ConfigurationError } from '../errors/configuration-error.js';
import { WebhookBusyError } from '../errors/webhook-busy-error.js';
import type { KnownOptions } from '../options/refuse-unknown-options.js';
import { refuseUnknownOptions } from '../options/refuse-unknown-options.js';
import { NOW, sqliteSchemaSql, sqliteTables } from '../sqlite/sqlite-schema.js';
import { sqliteStore } from '../sqlite/sqlite-store.js';
import type { CommitOnceOutcome, CommitOnceStore } from '../stores/commit-once-store.js';
import type { D1DatabaseLike, D1PreparedStatementLike, D1ResultLike } from './d1-database.js';
import { d1Driver } from './d1-driver.js';

/** Options of {@link d1Store}. */
export interface D1StoreOptions<Db extends D1DatabaseLike = D1DatabaseLike> {
  /** The D1 binding (`env.DB`); the statements handed to `ctx.commitOnce` must be prepared on it. */
  database: Db;
  /** Table of webhook ids (letters, digits, underscores). @default 'passfort_webhook_ids' */
  table?: string;
  /** Table of dead letters. @default 'passfort_webhook_dead_letters' */
  deadLetterTable?: string;
  /**
   * Table of `ctx.commitOnce`'s effect records.
   * @default 'passfort_webhook_effects', or `${table}_effects` when `table` is set
   */
  effectTable?: string;
  /**
   * How long a completed id is remembered. A dead-lettered id is remembered, with its effect
   * record, for as long as its dead letter exists.
   * @default 7 days
   */
  retentionMs?: number;
}

const D1_STORE_OPTIONS = {
  database: true,
  table: true,
  deadLetterTable: true,
  effectTable: true,
  retentionMs: true,
} as const satisfies KnownOptions<D1StoreOptions>;

/**
 * The D1 store: a {@link DedupeStore} with `ctx.commitOnce` (`Db`: the binding's type, the `db`
 * that `ctx.commitOnce((db) => [...])` hands over).
 */
export interface D1Store<Db extends D1DatabaseLike = D1DatabaseLike> extends CommitOnceStore<Db> {
  /**
   * Creates the tables and indexes if they do not exist (the SQLite store's schema, applied in
   * one `db.batch()`). Run it once at deploy, or apply `sqliteSchemaSql()` as a D1 migration.
   */
  migrate(): Promise<void>;
  /** Deletes ids whose retention has passed, with their effect records; returns how many. */
  prune(): Promise<number>;
}

/**
 * A {@link DedupeStore} on Cloudflare D1: claims with renewed leases, owners, dead letters and
 * status, with the SQLite store's SQL (D1 is SQLite) run through `db.batch()`. D1 cannot keep a
 * transaction open while a handler runs, so there is no `ctx.transaction`; `ctx.commitOnce`
 * commits the handler's prepared statements with the webhook's effect record in one
 * `db.batch()`, exactly once. Nothing runs in the background: call `prune()` from a Cron Trigger.
 *
 * @example
 * import { d1Store } from '@passfort-webhooks/core/d1';
 * const webhooks = createPassfortWebhooks({ secret: env.PASSFORT_WEBHOOK_SECRET, store: d1Store({ database: env.DB }) });
 * webhooks.on('CHECK_COMPLETED', async (event, ctx) => {
 *   await ctx.commitOnce([env.DB.prepare('INSERT INTO checks (id, decision) VALUES (?, ?)').bind(event.data.check.id, event.data.check.decision)]);
 * });
 */
export function d1Store<Db extends D1DatabaseLike>(options: D1StoreOptions<Db>): D1Store<Db> {
  refuseUnknownOptions('d1Store', options, D1_STORE_OPTIONS);
  const { database } = options;
  if (typeof database?.prepare !== 'function' || typeof database.batch !== 'function') {
    throw new ConfigurationError(
      'd1Store needs a D1 binding: d1Store({ database: env.DB }), with a [[d1_databases]] binding named DB in wrangler.toml',
    );
  }
  const t = sqliteTables(
    options.table,
    options.deadLetterTable,
    options.effectTable ?? (options.table === undefined ? undefined : `${options.table}_effects`),
  );
  const driver = d1Driver(database);
  // No prune timer: a Worker may not start one at its top level, and one started in a request
  // ends with it. The SQLite store without `transactOnce`: D1 cannot serve `ctx.transaction`.
  const {
    transactOnce: _noTransactions,
    migrate: _walMigrate,
    ...sqlite
  } = sqliteStore({
    driver,
    table: t.ids,
    deadLetterTable: t.deadLetters,
    effectTable: t.effects,
    ...(options.retentionMs === undefined ? {} : { retentionMs: options.retentionMs }),
    pruneIntervalMs: 0,
  });

  // The effect record, inserted first in the batch. Its effect_at is NULL, which its NOT NULL
  // constraint refuses, when another owner holds the id's claim; its primary key refuses a
  // second record. Either refusal fails the whole db.batch(), so the statements after it are
  // written only with a record this delivery may write.
  const recordSql = `INSERT INTO ${t.effects} (id, effect_at, result) VALUES (?, CASE WHEN EXISTS (
  SELECT 1 FROM ${t.ids} WHERE id = ? AND owner IS NOT NULL AND owner <> ?) THEN NULL ELSE ${NOW} END, NULL)`;
  const afterRefusalSql = `SELECT (SELECT count(*) FROM ${t.effects} WHERE id = ?) AS recorded,
  (SELECT owner FROM ${t.ids} WHERE id = ?) AS holder`;

  return {
    ...sqlite,
    async migrate() {
      // No WAL pragma (D1 refuses it, and manages its journal itself).
      await driver.exec(sqliteSchemaSql(t.ids, t.deadLetters, t.effects));
    },
    async commitOnce(id, statements, { owner } = {}): Promise<CommitOnceOutcome<D1ResultLike>> {
      const writes = typeof statements === 'function' ? statements(database) : statements;
      if (!Array.isArray(writes)) {
        throw new ConfigurationError(
          'ctx.commitOnce needs prepared statements: ctx.commitOnce((db) => [db.prepare(sql).bind(...)]), the function returning them at once (read what you need before the call)',
        );
      }
      const record = database.prepare(recordSql).bind(id, id, owner ?? null);
      let results: D1ResultLike[];
      try {
        results = await database.batch([record, ...(writes as D1PreparedStatementLike[])]);
      } catch (error) {
        // Nothing was written. Why: a record already there, a takeover, or a statement's own error.
        const [row] = ((await database.prepare(afterRefusalSql).bind(id, id).all()).results ??
          []) as { recorded: number; holder: string | null }[];
        if (Number(row?.recorded) > 0) return { applied: false, results: [] };
        if (owner !== undefined && row?.holder != null && row.holder !== owner) {
          throw new WebhookBusyError(
            `ctx.commitOnce for webhook ${id} was refused: another delivery took the claim over after this one's lease ended (a pause or a frozen isolate), and runs it; nothing was written`,
            { cause: error },
          );
        }
        throw error;
      }
      return { applied: true, results: results.slice(1) };
    },
  };
}
