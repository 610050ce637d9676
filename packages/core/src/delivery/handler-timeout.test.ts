/**
 * A handler has a bound (issue 32): one that never settles counts as failed after
 * `handlerTimeoutMs`, is retried, then dead-lettered, `onError` hears it, and `close()` is not
 * held for ever; an `onError` listener that never settles holds nothing either.
 */
import { describe, expect, it } from 'vitest';
import { bearer, productStatusChanged, SECRET, webhookId } from '../../test/webhook-fixtures.js';
import { createPassfortWebhooks } from '../create-passfort-webhooks.js';
import { memoryStore } from '../stores/memory/memory-store.js';

const never = () => new Promise<never>(() => {});

function send(
  webhooks: { handle: ReturnType<typeof createPassfortWebhooks>['handle'] },
  id: string,
) {
  return webhooks.handle({
    method: 'POST',
    headers: bearer(),
    body: JSON.stringify(productStatusChanged(id)),
  });
}

describe('handlerTimeoutMs', () => {
  it('a handler that never settles fails at the bound, is retried, then dead-lettered, and onError hears it', async () => {
    const webhooks = createPassfortWebhooks({
      secret: SECRET,
      store: memoryStore(),
      handlerTimeoutMs: 150,
      maxAttempts: 2,
      logger: false,
    });
    let runs = 0;
    const heard: string[] = [];
    webhooks.on('PRODUCT_STATUS_CHANGED', () => {
      runs++;
      return never();
    });
    webhooks.onError((failure) => {
      heard.push(
        `${(failure.error.cause as { code?: string } | undefined)?.code}:${failure.deadLettered}`,
      );
    });
    const id = webhookId(1);
    const first = await send(webhooks, id);
    expect(first.status).toBe(500);
    const second = await send(webhooks, id);
    expect(second.status).toBe(200);
    expect(second.counts).toMatchObject({ deadLettered: 1 });
    expect(runs).toBe(2);
    expect(heard).toEqual(['HANDLER_TIMEOUT:false', 'HANDLER_TIMEOUT:true']);
    expect((await webhooks.deadLetters.get(id))?.error).toMatch(
      /did not settle within handlerTimeoutMs/,
    );
    await webhooks.close(); // resolves: nothing is held by the handlers that never settled
  });

  it('an onError listener that never settles does not hold the failure, the redelivery or close()', async () => {
    const webhooks = createPassfortWebhooks({
      secret: SECRET,
      store: memoryStore(),
      handlerTimeoutMs: 150,
      logger: false,
    });
    let runs = 0;
    webhooks.on('PRODUCT_STATUS_CHANGED', () => {
      runs++;
      if (runs === 1) throw new Error('the CRM was down');
    });
    webhooks.onError(never);
    const id = webhookId(2);
    expect((await send(webhooks, id)).status).toBe(500);
    expect((await send(webhooks, id)).counts).toMatchObject({ processed: 1 });
    expect(runs).toBe(2);
    await webhooks.close();
  });

  it('refuses a handlerTimeoutMs that is not a positive integer, at start-up', () => {
    expect(() =>
      createPassfortWebhooks({ secret: SECRET, handlerTimeoutMs: 0, logger: false }),
    ).toThrow(/handlerTimeoutMs/);
  });
});
