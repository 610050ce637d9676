/**
 * `transactOnce` called for one id by racing callers, on two connections and at mixed
 * isolation levels: one effect, and every caller resolves to the recorded value.
 */
import { type ConformanceCase, expectEqual, expectTrue, sleep } from '../conformance-case.js';
import { kitWebhookId } from '../kit-webhooks.js';
import { transactionCase } from './transaction-case.js';
import type { OpenTransactionalStore } from './transactional-store-fixture.js';

export function concurrentTransactOnceCase<Tx>(open: OpenTransactionalStore<Tx>): ConformanceCase {
  return transactionCase(
    open,
    'concurrent transactOnce calls for one id commit one effect and return the same value',
    async (f) => {
      const other = await f.another();
      const id = kitWebhookId(20);
      const results = await Promise.all(
        [f.store, other, f.store].map((store, n) =>
          store.transactOnce(id, async (tx) => {
            await f.insertEffect(tx, id);
            await sleep(100);
            return n;
          }),
        ),
      );
      expectEqual(await f.effects(), [id], 'one effect');
      expectTrue(
        results.every((value) => value === results[0]),
        'every caller got the committed value',
      );
    },
  );
}

export function isolationCase<Tx>(open: OpenTransactionalStore<Tx>): ConformanceCase {
  return transactionCase(
    open,
    'isolation: an unknown level is refused; racing callers at serializable all resolve to the recorded value',
    async (f) => {
      const id = kitWebhookId(80);
      let refused = '';
      await f.store
        .transactOnce(id, async () => 1, {
          isolation: 'snapshot' as unknown as 'serializable',
        })
        .catch((error: Error) => {
          refused = error.name;
        });
      expectEqual(refused, 'ConfigurationError', 'an unknown isolation level is refused');
      const other = await f.another();
      const results = await Promise.all(
        [f.store, other, f.store, other].map((store, n) =>
          store.transactOnce(
            id,
            async (tx) => {
              await f.insertEffect(tx, id);
              await sleep(50);
              return { n };
            },
            { isolation: n % 2 === 0 ? 'serializable' : 'repeatable read' },
          ),
        ),
      );
      expectEqual(await f.effects(), [id], 'one effect');
      expectTrue(
        results.every((value) => JSON.stringify(value) === JSON.stringify(results[0])),
        `every caller resolved to the recorded value (${JSON.stringify(results)})`,
      );
    },
  );
}
