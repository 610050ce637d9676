/**
 * Sending CHECK_COMPLETED webhooks, with their redeliveries, to a receiver: the traffic the
 * Postgres exactly-once tests drive through ctx.transaction. Ids, secret and headers are the
 * shared fixtures' (webhook-fixtures.ts); the event is CHECK_COMPLETED because the tests' handlers
 * read its `data.profile_id` (`p-<n>` for the nth webhook).
 */
import type { PassfortWebhooks } from '../src/create-passfort-webhooks.js';
import { bearer, SECRET, webhookId } from './webhook-fixtures.js';

function checkCompleted(n: number): { headers: Record<string, string>; body: string } {
  return {
    headers: bearer(),
    body: JSON.stringify({
      id: webhookId(n),
      event: 'CHECK_COMPLETED',
      secret: SECRET,
      timestamp: 1568997222,
      data: { profile_id: `p-${n}`, check: { id: `c-${n}`, decision: 'PASS' } },
    }),
  };
}

/**
 * Sends webhooks 0 to `count - 1` (a receiver made with the fixtures' SECRET), `concurrency` of
 * them at a time, each `copies` times back to back: the second copy is a redelivery of the same
 * body, arriving once the first was answered.
 * Returns the statuses by copy, each in the order the answers came: `[firsts, redeliveries]`.
 */
export async function sendCheckCompleted(
  webhooks: Pick<PassfortWebhooks, 'handle'>,
  count: number,
  { copies = 1, concurrency = 1 }: { copies?: number; concurrency?: number } = {},
): Promise<number[][]> {
  const statuses = Array.from({ length: copies }, (): number[] => []);
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        const { headers, body } = checkCompleted(next++);
        for (const answers of statuses) {
          answers.push((await webhooks.handle({ method: 'POST', headers, body })).status);
        }
      }
    }),
  );
  return statuses;
}
