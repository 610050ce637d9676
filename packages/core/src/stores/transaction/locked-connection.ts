import { WebhookBusyError } from '../../errors/webhook-busy-error.js';
import type { TransactionIsolation } from '../transactional-store.js';
import type {
  EffectSeen,
  TransactionDialect,
  TransactionMarks,
  TransactOnceLimits,
} from './transaction-dialect.js';

// Step 1 of `transactOnce`: the id's lock, tried and never waited on in the server. Apart from
// the run itself because both ways of taking it (step by step, or with the effect's read and
// the begin in one trip) wait the same way: with no connection held, backing off to 250 ms.

/**
 * {@link lockedConnection} through {@link TransactionDialect.lockReadAndBegin}: a connection
 * holding the id's lock, the effect as read after it, and `fn`'s transaction begun.
 */
export async function lockedAndBegun<C extends object>(
  dialect: TransactionDialect<C>,
  limits: TransactOnceLimits,
  key: string,
  id: string,
  isolation: TransactionIsolation,
): Promise<{ connection: C; seen: EffectSeen; before: TransactionMarks }> {
  const giveUpAt = Date.now() + limits.lockWaitMs;
  let pause = 5;
  for (;;) {
    const connection = await dialect.connect();
    let taken: Awaited<ReturnType<NonNullable<TransactionDialect<C>['lockReadAndBegin']>>>;
    try {
      taken = await dialect.lockReadAndBegin!(connection, key, id, isolation);
    } catch (error) {
      // Closing the session frees whatever it held.
      dialect.release(connection, true);
      throw dialect.explain(error);
    }
    if (taken.locked) return { connection, seen: taken.seen, before: taken.before };
    dialect.release(connection, false);
    if (Date.now() >= giveUpAt) throw busy(id, limits);
    await sleep(pause);
    pause = Math.min(pause * 2, 250);
  }
}

function busy(id: string, limits: TransactOnceLimits): WebhookBusyError {
  return new WebhookBusyError(
    `Another delivery of webhook ${id} has been running its ctx.transaction for over ${limits.lockWaitMs} ms; this run gives up and the webhook is retried (its effect is recorded once, by whichever run commits)`,
    { id },
  );
}

/** A connection holding the id's lock; waits, without holding a connection, while another run has it. */
export async function lockedConnection<C extends object>(
  dialect: TransactionDialect<C>,
  limits: TransactOnceLimits,
  key: string,
  id: string,
): Promise<C> {
  const giveUpAt = Date.now() + limits.lockWaitMs;
  let pause = 5;
  for (;;) {
    const connection = await dialect.connect();
    let locked: boolean;
    try {
      locked = await dialect.tryLock(connection, key);
    } catch (error) {
      dialect.release(connection, true);
      throw dialect.explain(error);
    }
    if (locked) return connection;
    dialect.release(connection, false);
    if (Date.now() >= giveUpAt) throw busy(id, limits);
    await sleep(pause);
    pause = Math.min(pause * 2, 250);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
