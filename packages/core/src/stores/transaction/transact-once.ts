import { ConfigurationError } from '../../errors/configuration-error.js';
import { WebhookBusyError } from '../../errors/webhook-busy-error.js';
import type { TransactionIsolation, TransactOnceOptions } from '../transactional-store.js';
import { guardConnection } from './guarded-connection.js';
import { lockedAndBegun, lockedConnection } from './locked-connection.js';
import { recordableResult } from './recordable-result.js';
import type {
  EffectSeen,
  TransactionDialect,
  TransactionMarks,
  TransactOnceLimits,
} from './transaction-dialect.js';

/** Serialization failures and deadlocks retried; each retry runs `fn` again. */
const RETRIES = 4;
const ISOLATIONS: readonly TransactionIsolation[] = [
  'read committed',
  'repeatable read',
  'serializable',
];

/**
 * `ctx.transaction` on a SQL store, written once for every database: what differs between
 * Postgres and MySQL is the SQL, given by a {@link TransactionDialect}.
 *
 * The order of steps is what makes the effect happen once, and what keeps a long `fn` from
 * hurting anyone else:
 * 1. **A lock per webhook id, outside the data.** An advisory lock (Postgres) or a named lock
 *    (MySQL) serialises the runs of one id. It is *tried*, never waited on in the server: a
 *    run that finds it taken gives its connection back and tries again a little later, so no
 *    server backend waits on a lock after its client gave up, and no pool connection is held
 *    while waiting. The ids table's row is not locked at all: lease renewals, claims and
 *    completions of this and every other id go on while `fn` runs for minutes (they used to
 *    queue behind the transaction's row lock, and on MySQL its next-key lock starved other ids).
 * 2. **The effect record is read after the lock and before the transaction**, so a second run
 *    that waited sees the first one's commit whatever the isolation level, and the record read
 *    stays out of `fn`'s serializable reads. The same read returns who holds the id's claim:
 *    a run whose claim another owner took over (this delivery was paused past its lease)
 *    neither runs `fn` nor records, and the record's insert checks the holder again, so a
 *    takeover while `fn` ran rolls `fn` back.
 * 3. **`fn` runs at the isolation asked for** (read committed unless told), on a guarded
 *    connection (see `guarded-connection.ts`); its result must read back the same.
 * 4. **The record is inserted in `fn`'s transaction, then committed**: both or neither. A
 *    serialization failure or a deadlock rolled both back, so `fn` is run again (a bounded
 *    number of times). If `fn` ended the transaction itself (DDL's implicit commit, COMMIT,
 *    `SET autocommit`), what it wrote is already committed: the record is committed too, so it
 *    cannot run a second time, and the call fails naming the cause.
 * 5. **A connection whose session `fn` changed** (a `SET`, a role, autocommit) is closed
 *    rather than given back to the pool, where the next webhook would inherit it.
 */
export async function transactOnce<C extends object, T>(
  dialect: TransactionDialect<C>,
  limits: TransactOnceLimits,
  id: string,
  effect: (tx: C) => Promise<T>,
  options: TransactOnceOptions | undefined,
): Promise<T> {
  const isolation = options?.isolation ?? 'read committed';
  const owner = options?.owner;
  if (!ISOLATIONS.includes(isolation)) {
    throw new ConfigurationError(
      `ctx.transaction's isolation must be one of ${ISOLATIONS.map((each) => `'${each}'`).join(', ')} (got ${JSON.stringify(isolation)})`,
    );
  }
  const key = `${limits.lockPrefix}${id}`;
  // One round trip before fn and one after it, where the dialect can (see lockReadAndBegin).
  const fast =
    dialect.lockReadAndBegin !== undefined && dialect.recordCommitAndUnlock !== undefined;
  for (let run = 1; ; run++) {
    let connection: C;
    let seen: EffectSeen;
    let before: TransactionMarks | undefined;
    let inTransaction = false;
    if (fast) {
      ({ connection, seen, before } = await lockedAndBegun(dialect, limits, key, id, isolation));
      inTransaction = true;
    } else {
      connection = await lockedConnection(dialect, limits, key, id);
    }
    let discard = false;
    let unlocked = false;
    // The rollback and the unlock in one message, where the dialect can (see its
    // rollbackAndUnlock); a failure leaves the connection's state unknown: never reused.
    const rollBackAndUnlock = () =>
      dialect.rollbackAndUnlock!(connection, key).then(
        () => {
          unlocked = true;
        },
        () => {
          discard = true;
        },
      );
    try {
      if (!fast) {
        seen = await dialect.readEffect(connection, id).catch((error: unknown) => {
          throw dialect.explain(error);
        });
      }
      if (owner !== undefined && seen!.holder !== undefined && seen!.holder !== owner) {
        throw takenOver(id);
      }
      if (seen!.committed) {
        if (inTransaction) {
          // Begun with the read (the fast path): nothing was written in it.
          inTransaction = false;
          if (dialect.rollbackAndUnlock !== undefined) {
            await rollBackAndUnlock();
          } else {
            await dialect.rollback(connection).catch(() => {
              discard = true;
            });
          }
        }
        return seen!.result as T;
      }
      if (before === undefined) {
        await dialect.begin(connection, isolation);
        inTransaction = true;
        before = await dialect.marks(connection);
      }
      const marked: TransactionMarks = before;
      const guarded = guardConnection(connection, id, dialect.forbidden);
      let value: T | undefined;
      let failure: { error: unknown } | undefined;
      try {
        value = await effect(guarded.connection);
      } catch (error) {
        failure = { error };
      } finally {
        guarded.close();
      }
      let text: string | null | undefined;
      if (fast && failure === undefined) {
        try {
          text = recordableResult(value);
        } catch {
          // Refused below, once the transaction is known to be still ours.
        }
      }
      if (text !== undefined) {
        // The marks, the record, the commit and the unlock in one trip (see recordCommitAndUnlock).
        // Refused or failed, the transaction is rolled back below; where the database keeps a
        // session setting fn made through that rollback (MySQL), the connection is not reused.
        const keepsSettings = dialect.settingsRollBack !== true;
        const done = await dialect.recordCommitAndUnlock!(
          connection,
          key,
          id,
          text,
          owner,
          marked,
        ).catch((error: unknown) => {
          if (keepsSettings) discard = true;
          throw dialect.explain(error);
        });
        if (done.outcome === 'refused') {
          if (keepsSettings) discard = true;
          throw takenOver(id); // rolled back below
        }
        inTransaction = false;
        unlocked = true;
        if (done.after.session !== marked.session) discard = true;
        if (done.outcome === 'committed') return value as T;
        discard = true;
        throw done.recorded ? endedItself(id, undefined) : rolledBackItself(id);
      }
      // A statement that failed inside fn leaves a Postgres transaction aborted, where no
      // query runs: it is still ours, and is rolled back below.
      const after = await dialect.marks(connection).catch(() => marked);
      if (after.session !== marked.session) discard = true;
      const serverRolledBack = failure !== undefined && dialect.isRetryable(failure.error);
      if (after.transaction !== marked.transaction && !serverRolledBack) {
        // fn ended our transaction (DDL's implicit commit, COMMIT, ROLLBACK, SET autocommit).
        // A deadlock ends it too, on MySQL, but that is the database rolling back: retried
        // below like any serialization failure.
        discard = true;
        inTransaction = false;
        if ((await dialect.outcomeOf(connection, marked.transaction)) === 'aborted') {
          // Nothing it wrote was kept (Postgres tells): running fn again is safe.
          throw rolledBackItself(id);
        }
        // What it wrote is committed already (or the database cannot tell), so the record is
        // committed too (a second run would double it), and the handler hears why, whether fn
        // went on to succeed or to fail.
        await dialect.record(connection, id, failure === undefined ? safeRecord(value) : null);
        await dialect.commit(connection);
        throw endedItself(id, failure);
      }
      if (failure !== undefined) throw failure.error;
      const recordable = recordableResult(value);
      const recorded = await dialect
        .record(connection, id, recordable, owner)
        .catch((error: unknown) => {
          throw dialect.explain(error);
        });
      if (!recorded) throw takenOver(id); // rolled back below: fn's writes go with it
      await dialect.commit(connection);
      inTransaction = false;
      return value as T;
    } catch (error) {
      if (inTransaction && dialect.rollbackAndUnlock !== undefined) {
        await rollBackAndUnlock();
      } else if (inTransaction) {
        const rolledBack = await dialect.rollback(connection).catch(() => {
          discard = true; // its state is unknown: never reuse it
        });
        if (rolledBack === 'kept-writes') {
          // Part of fn's effect stayed although the transaction rolled back: running fn again
          // would do it twice. The effect is recorded (without a value), and the handler hears why.
          await dialect.record(connection, id, null);
          throw new ConfigurationError(
            `ctx.transaction's function for webhook ${id} wrote to a table that cannot roll back (MyISAM, MEMORY or Aria: use InnoDB for every table written in ctx.transaction), then failed: those writes were kept. The effect is recorded so it will not run a second time; check what it wrote (the function's error: ${describe(error)})`,
          );
        }
      }
      if (run <= RETRIES && dialect.isRetryable(error)) {
        await new Promise((resolve) => setTimeout(resolve, 5 * 2 ** run * (0.5 + Math.random())));
        continue;
      }
      throw error;
    } finally {
      if (!unlocked) {
        await dialect.unlock(connection, key).catch(() => {
          discard = true; // closing the session is what frees its lock then
        });
      }
      dialect.release(connection, discard);
    }
  }
}

function rolledBackItself(id: string): ConfigurationError {
  return new ConfigurationError(
    `ctx.transaction's function ended its transaction itself for webhook ${id} by rolling it back (ROLLBACK, ABORT): nothing it wrote was kept, and the webhook will run it again. Throw instead of rolling back`,
  );
}

function endedItself(id: string, failure: { error: unknown } | undefined): ConfigurationError {
  return new ConfigurationError(
    `ctx.transaction's function ended its transaction itself for webhook ${id} (DDL such as CREATE or ALTER commits implicitly on MySQL; so do COMMIT, ROLLBACK and SET autocommit): its writes were not atomic with the effect record. The effect is recorded so it will not run again; move DDL and transaction control out of the function${failure === undefined ? '' : ` (the function then failed: ${describe(failure.error)})`}`,
  );
}

/** Refuses a run whose claim another delivery took over after this one's lease ended. */
function takenOver(id: string): WebhookBusyError {
  return new WebhookBusyError(
    `ctx.transaction for webhook ${id} was refused: another delivery took the claim over after this one's lease ended (a pause or a frozen process), and runs it; nothing was recorded`,
    { id },
  );
}

/** The value's record, or none when it cannot be kept (the effect is what must not repeat). */
function safeRecord(value: unknown): string | null {
  try {
    return recordableResult(value);
  } catch {
    return null;
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
