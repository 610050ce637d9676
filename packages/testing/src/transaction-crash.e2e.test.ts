/**
 * The crash proof of ctx.transaction, short form (`pnpm chaos` is the long one): a receiver
 * process SIGKILLed at random moments while Passfort's redeliveries continue; every webhook's
 * effect row must exist exactly once, in Passfort's order, on Postgres, on MariaDB and on a
 * SQLite file (through @libsql/client, and through the libsql package's Database).
 */
import { describe, expect, it } from 'vitest';
import { type ChaosDatabase, databaseReachable, runChaos } from '../test/chaos.js';

for (const database of ['postgres', 'mysql', 'sqlite', 'sqlite-database'] as ChaosDatabase[]) {
  if (!(await databaseReachable(database))) continue;
  describe(`ctx.transaction on ${database} under receiver crashes`, () => {
    it('keeps every effect exactly once, in order, over 8 SIGKILLs', async () => {
      const result = await runChaos({ database, mode: 'transaction', kills: 8 });
      expect(result.kills).toBe(8);
      // Traffic went through the kills: more than the 3 calm batches at the end. (It was "more
      // than 80", a throughput figure: a loaded machine acked 80 and failed a correct run.)
      expect(result.webhooks).toBeGreaterThan(3 * 10);
      expect({ lost: result.lost, doubled: result.doubled, outOfOrder: result.outOfOrder }).toEqual(
        {
          lost: 0,
          doubled: 0,
          outOfOrder: 0,
        },
      );
    }, 90_000);
  });
}
