import { ConfigurationError } from '../../errors/configuration-error.js';
import type { BatchItem } from '../../events/validate-event-data.js';
import { type CommitOnceStore, isCommitOnceStore } from '../../stores/commit-once-store.js';
import type { DedupeStore } from '../../stores/dedupe-store.js';
import { isTransactionalStore, type TransactionalStore } from '../../stores/transactional-store.js';
import type { WebhookContext } from '../webhook-handler.js';

/** The context every handler of one webhook receives. */
export function webhookContext(
  item: BatchItem,
  batchSize: number,
  attempt: number,
  receivedAt: Date,
  store: DedupeStore,
  owner?: string,
): WebhookContext {
  return {
    id: item.event.id,
    index: item.index,
    batchSize,
    attempt,
    receivedAt,
    validated: item.validated,
    transaction: isTransactionalStore(store)
      ? transactionOnce(store, item.event.id, owner)
      : withoutTransactions,
    commitOnce: isCommitOnceStore(store)
      ? commitOnceFor(store, item.event.id, owner)
      : withoutCommitOnce,
  };
}

/**
 * `ctx.commitOnce` of one webhook (`d1Store`): like `ctx.transaction`, one call per delivery,
 * its effect recorded under the webhook's id and fenced by the delivery's owner.
 */
function commitOnceFor(
  store: CommitOnceStore<unknown>,
  id: string,
  owner: string | undefined,
): WebhookContext['commitOnce'] {
  let called = false;
  return (statements) => {
    if (called) {
      return Promise.reject(
        new ConfigurationError(
          `ctx.commitOnce was called twice for webhook ${id}: one webhook gets one commit (its effect is recorded under the webhook's id); hand every statement to the same call`,
        ),
      );
    }
    called = true;
    return store.commitOnce(id, statements, owner === undefined ? {} : { owner });
  };
}

const withoutCommitOnce: WebhookContext['commitOnce'] = () =>
  Promise.reject(
    new ConfigurationError(
      'ctx.commitOnce needs a store that commits prepared statements with the effect record (d1Store); with postgresStore, mysqlStore or sqliteStore use ctx.transaction',
    ),
  );

/**
 * `ctx.transaction` of one webhook: its effect is recorded under the webhook's id, so one
 * delivery of a webhook gets one transaction, whichever handler calls it.
 */
function transactionOnce(
  store: TransactionalStore<unknown>,
  id: string,
  owner: string | undefined,
): WebhookContext['transaction'] {
  let called = false;
  return (effect, options) => {
    if (called) {
      return Promise.reject(
        new ConfigurationError(
          `ctx.transaction was called twice for webhook ${id}: one webhook gets one transaction (its effect is recorded under the webhook's id); put every write in the same function`,
        ),
      );
    }
    called = true;
    if (typeof effect !== 'function') {
      return Promise.reject(
        new ConfigurationError(
          'ctx.transaction needs a function: ctx.transaction(async (tx) => { ... })',
        ),
      );
    }
    // The owner: a delivery whose claim was taken over meanwhile runs and records nothing.
    return store.transactOnce(id, effect, owner === undefined ? options : { ...options, owner });
  };
}

const withoutTransactions: WebhookContext['transaction'] = () =>
  Promise.reject(
    new ConfigurationError(
      'ctx.transaction needs a SQL dedupe store (postgresStore or mysqlStore), where the effect and its record can commit together; this receiver has another store',
    ),
  );
