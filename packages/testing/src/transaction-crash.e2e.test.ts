/**
 * The crash proof of ctx.transaction, short form (`pnpm chaos` is the long one): a receiver
 * process SIGKILLed at random moments while Passfort's redeliveries continue; every webhook's
 * effect row must exist exactly once, in Passfort's order, on Postgres and on MariaDB.
 */
import { describe, expect, it } from 'vitest';
import { type ChaosDatabase, databaseReachable, runChaos } from '../test/chaos.js';

for (const database of ['postgres', 'mysql'] as ChaosDatabase[]) {
  if (!(await databaseReachable(database))) continue;
  describe(`ctx.transaction on ${database} under receiver crashes`, () => {
    it('keeps every effect exactly once, in order, over 8 SIGKILLs', async () => {
      const result = await runChaos({ database, mode: 'transaction', kills: 8 });
      expect(result.kills).toBe(8);
      expect(result.webhooks).toBeGreaterThan(8 * 10);
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
