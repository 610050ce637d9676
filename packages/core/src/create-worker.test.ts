/** A worker's `secret`: used only to keep the receivers' secrets out of its failure text. */
import { describe, expect, it } from 'vitest';
import { bearer, productStatusChanged, SECRET, webhookId } from '../test/webhook-fixtures.js';
import { createPassfortWebhooks } from './create-passfort-webhooks.js';
import { createWorker } from './create-worker.js';
import { inProcessQueue } from './queues/in-process-queue.js';
import { memoryStore } from './stores/memory/memory-store.js';

describe('createWorker({ secret })', () => {
  it('refuses an empty secret at start-up', () => {
    expect(() => createWorker({ queue: inProcessQueue(), secret: '' })).toThrow(
      /\[passfort-webhooks\]/,
    );
  });

  it('redacts it from dead letters, status() and log lines', async () => {
    const queue = inProcessQueue({ retryDelayMs: 10 });
    const store = memoryStore();
    const logs: string[] = [];
    const logger = {
      warn: (object: Record<string, unknown>, message?: string) =>
        void logs.push(`${message} ${JSON.stringify(object)}`),
      error: (object: Record<string, unknown>, message?: string) =>
        void logs.push(`${message} ${JSON.stringify(object)}`),
    };
    const receiver = createPassfortWebhooks({
      secret: SECRET,
      delivery: 'queue',
      queue,
      consume: false,
      store,
      logger: false,
    });
    const worker = createWorker({ queue, store, secret: SECRET, maxAttempts: 1, logger });
    worker.onAny(() => {
      throw new Error(`sent Authorization: Bearer ${SECRET}`);
    });
    await worker.start();
    const id = webhookId(7);
    await receiver.handle({
      method: 'POST',
      headers: bearer(),
      body: JSON.stringify(productStatusChanged(id)),
    });
    for (let i = 0; i < 200 && (await worker.deadLetters.get(id)) === undefined; i++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    const letter = await worker.deadLetters.get(id);
    expect(letter?.error).toBe('sent Authorization: Bearer [redacted]');
    const shown = [JSON.stringify(letter), JSON.stringify(await worker.status()), ...logs];
    expect(logs.some((line) => line.startsWith('webhook handler failed'))).toBe(true);
    for (const text of shown) expect(text).not.toContain(SECRET.slice(0, 8));
    await worker.close();
    await receiver.close();
  });
});
