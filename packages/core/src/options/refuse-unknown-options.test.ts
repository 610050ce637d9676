import { describe, expect, it } from 'vitest';
import { createPassfortClient } from '../client/create-passfort-client.js';
import { createConsole } from '../console/create-console.js';
import { createPassfortWebhooks } from '../create-passfort-webhooks.js';
import { createWorker } from '../create-worker.js';
import { ConfigurationError } from '../errors/configuration-error.js';
import { inProcessQueue } from '../queues/in-process-queue.js';
import { memoryStore } from '../stores/memory/memory-store.js';
import { createLoopGuard } from '../sync/loop-guard.js';
import { memoryLoopGuardStore } from '../sync/memory-loop-guard-store.js';
import { closestName } from './refuse-unknown-options.js';

const SECRET = 'a-webhook-secret-of-some-length';
const TOKEN = 'a-console-token-of-at-least-32-characters';

/** Calls a factory as JavaScript would, with an option its type does not have. */
const call = (factory: (options: never) => unknown, options: object) => () =>
  factory(options as never);

describe('a misspelt option is refused at construction', () => {
  it.each([
    [
      'createPassfortWebhooks',
      call(createPassfortWebhooks, { secret: SECRET, maxAtempts: 3 }),
      'maxAtempts',
      'maxAttempts',
    ],
    [
      'createPassfortWebhooks (drift)',
      call(createPassfortWebhooks, { secret: SECRET, drfit: true }),
      'drfit',
      'drift',
    ],
    [
      'createPassfortWebhooks (expectWebhookWithin)',
      call(createPassfortWebhooks, { secret: SECRET, expectWebhookWithn: 60_000 }),
      'expectWebhookWithn',
      'expectWebhookWithin',
    ],
    [
      'createWorker',
      call(createWorker, { queue: inProcessQueue(), retryDelay: 10 }),
      'retryDelay',
      'retryDelayMs',
    ],
    [
      'createPassfortClient',
      call(createPassfortClient, { apiKey: 'key', baseURL: 'http://x' }),
      'baseURL',
      'baseUrl',
    ],
    ['memoryStore', call(memoryStore, { retention: 1000 }), 'retention', 'retentionMs'],
    ['inProcessQueue', call(inProcessQueue, { lane: 2 }), 'lane', 'lanes'],
    ['createLoopGuard', call(createLoopGuard, { ttl: 1000 }), 'ttl', 'ttlMs'],
    [
      'memoryLoopGuardStore',
      call(memoryLoopGuardStore, { perprofile: 5 }),
      'perprofile',
      'perProfile',
    ],
  ])('%s names the option and the closest known name', (factory, create, wrong, meant) => {
    expect(create).toThrow(ConfigurationError);
    expect(create).toThrow(
      `${factory.split(' ')[0]} does not know the option "${wrong}"; did you mean "${meant}"?`,
    );
  });

  it('createConsole names the option too', () => {
    const webhooks = createPassfortWebhooks({ secret: SECRET, logger: false });
    expect(() => createConsole(webhooks, { token: TOKEN, pathh: '/console' } as never)).toThrow(
      'createConsole does not know the option "pathh"; did you mean "path"?',
    );
  });

  it('offers no suggestion for a name unlike any option, and lists the known ones', () => {
    expect(call(createPassfortWebhooks, { secret: SECRET, banana: 1 })).toThrow(
      /does not know the option "banana" Known options: .*maxAttempts/,
    );
  });

  it('accepts every documented option', () => {
    const store = memoryStore({
      maxEntries: 10,
      retentionMs: 1000,
      maxDeadLetters: 5,
      maxProfiles: 5,
    });
    const webhooks = createPassfortWebhooks({
      secret: SECRET,
      store,
      maxAttempts: 3,
      drift: true,
      expectWebhookWithin: 60_000,
      logger: false,
      exposeStatus: false,
    });
    expect(typeof webhooks.handle).toBe('function');
    return webhooks.close();
  });
});

describe('closestName', () => {
  it('finds a typo, ignores case, and gives nothing for an unrelated name', () => {
    expect(closestName('secrets', ['secret', 'store'])).toBe('secret');
    expect(closestName('MAXATTEMPTS', ['maxAttempts', 'leaseMs'])).toBe('maxAttempts');
    expect(closestName('banana', ['secret', 'store'])).toBeUndefined();
  });
});
