/**
 * What the transactional kit gets from the opener a store author passes: the store, and an
 * effects table in the same database, since the kit's cases are about the effect committing
 * with the store's record, or not at all.
 */
import type { TransactionalStore } from '@passfort-webhooks/core/store';
import type { StoreFixture } from '../store-fixture.js';

/**
 * A fresh transactional store for one case, and a table of effects in the same database: a
 * table *without* a unique constraint, so a doubled effect shows up as a second row.
 */
export interface TransactionalStoreFixture<Tx> extends StoreFixture<TransactionalStore<Tx>> {
  /** Inserts one effect row for webhook `id` through the transaction's connection `tx`. */
  insertEffect(tx: Tx, id: string): Promise<void>;
  /** The committed effect rows' webhook ids, in insertion order, read outside any transaction. */
  effects(): Promise<string[]>;
}

/**
 * Opens a fresh, migrated transactional store and an empty effects table. `retentionMs`, when
 * given, is how long the store remembers completed ids (the retention cases pass a short one).
 */
export type OpenTransactionalStore<Tx> = (options?: {
  retentionMs?: number;
}) => Promise<TransactionalStoreFixture<Tx>>;
