/**
 * The Cloudflare D1 dedupe store: claims, leases, dead letters and status on D1 (the SQLite
 * store's SQL through a D1 driver), and `ctx.commitOnce`, D1's exactly-once path.
 * @module
 */

export { sqliteSchemaSql } from '../sqlite/sqlite-schema.js';
export type {
  CommitOnceOutcome,
  CommitOnceStatements,
  CommitOnceStore,
} from '../stores/commit-once-store.js';
export type { D1DatabaseLike, D1PreparedStatementLike, D1ResultLike } from './d1-database.js';
export { d1Driver } from './d1-driver.js';
export { type D1Store, type D1StoreOptions, d1Store } from './d1-store.js';
