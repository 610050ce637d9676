import { describe, expect, it } from 'vitest';
import { bearer, productStatusChanged, SECRET, webhookId } from '../../test/webhook-fixtures.js';
import { createPassfortWebhooks } from '../create-passfort-webhooks.js';
import { memoryStore } from '../stores/memory/memory-store.js';
import { AuthenticationError } from './authentication-error.js';
import { ConfigurationError } from './configuration-error.js';
import { DeadLetterNotFoundError } from './dead-letter-not-found-error.js';
import { DeadlineExceededError } from './deadline-exceeded-error.js';
import { errorStatus } from './error-status.js';
import { ForbiddenAddressError } from './forbidden-address-error.js';
import { HandlerError } from './handler-error.js';
import { PassfortApiError } from './passfort-api-error.js';
import { PassfortConflictError } from './passfort-conflict-error.js';
import { PassfortWebhookError } from './passfort-webhook-error.js';
import { PayloadError } from './payload-error.js';
import { QueueUnavailableError } from './queue-unavailable-error.js';
import { ReceiverClosingError } from './receiver-closing-error.js';
import { SchemaMismatchError } from './schema-mismatch-error.js';
import { StoreUnavailableError } from './store-unavailable-error.js';
import { WebhookBusyError } from './webhook-busy-error.js';

/** One of each class, as the library raises it. */
const samples = () => [
  new PayloadError('INVALID_JSON', 'Body is not JSON'),
  new SchemaMismatchError('PRODUCT_STATUS_CHANGED', ['data.new_status'], { id: 'a', index: 0 }),
  new AuthenticationError('wrong secret'),
  new ForbiddenAddressError('Address 10.0.0.1 is not allowed'),
  new HandlerError('CHECK_COMPLETED', { id: 'a', index: 2, cause: new Error('db down') }),
  new DeadlineExceededError('deadline', { index: 3 }),
  new WebhookBusyError('busy', { index: 1, id: 'b' }),
  new ReceiverClosingError(),
  new StoreUnavailableError(),
  new QueueUnavailableError(),
  new DeadLetterNotFoundError('x'),
  new ConfigurationError('leaseMs must be a positive integer'),
  new PassfortApiError('API_ERROR', 'GET failed with 500', { httpStatus: 500 }),
  new PassfortConflictError('p-1', 5),
];

/** What an error of the same class from another installed copy looks like to this one. */
function fromAnotherCopy(error: PassfortWebhookError): Error {
  const copy = new Error(error.message);
  copy.name = error.name;
  Object.assign(copy, { code: error.code, status: error.status });
  return copy;
}

describe('the error hierarchy', () => {
  it('makes every error a PassfortWebhookError whose status comes from the one table', () => {
    for (const error of samples()) {
      expect(error).toBeInstanceOf(PassfortWebhookError);
      expect(error.status).toBe(errorStatus[error.code]);
      expect(PassfortWebhookError.is(error)).toBe(true);
    }
  });

  it('names each error for what happened, one code each where the code says it', () => {
    expect(samples().map((error) => [error.name, error.code, error.status])).toEqual([
      ['PayloadError', 'INVALID_JSON', 400],
      ['SchemaMismatchError', 'INVALID_ENVELOPE', 400],
      ['AuthenticationError', 'UNAUTHORIZED', 401],
      ['ForbiddenAddressError', 'FORBIDDEN_IP', 403],
      ['HandlerError', 'HANDLER_FAILED', 500],
      ['DeadlineExceededError', 'DEADLINE_EXCEEDED', 503],
      ['WebhookBusyError', 'IN_PROGRESS', 503],
      ['ReceiverClosingError', 'SHUTTING_DOWN', 503],
      ['StoreUnavailableError', 'STORE_UNAVAILABLE', 503],
      ['QueueUnavailableError', 'QUEUE_UNAVAILABLE', 503],
      ['DeadLetterNotFoundError', 'DEAD_LETTER_NOT_FOUND', 404],
      ['ConfigurationError', 'INVALID_CONFIGURATION', 500],
      ['PassfortApiError', 'API_ERROR', 502],
      ['PassfortConflictError', 'API_CONFLICT', 409],
    ]);
    expect(new ConfigurationError('x').message).toBe('[passfort-webhooks] x');
  });

  it('has guards that tell the classes apart, for this copy and for another installed copy', () => {
    const classes = [
      PayloadError,
      SchemaMismatchError,
      AuthenticationError,
      ForbiddenAddressError,
      HandlerError,
      DeadlineExceededError,
      WebhookBusyError,
      ReceiverClosingError,
      StoreUnavailableError,
      QueueUnavailableError,
      DeadLetterNotFoundError,
      ConfigurationError,
      PassfortApiError,
      PassfortConflictError,
    ] as const;
    // Which guards say yes, beside the error's own class: its ancestors, nothing else.
    const ancestors: Record<string, string[]> = {
      SchemaMismatchError: ['PayloadError'],
      PassfortConflictError: ['PassfortApiError'],
    };
    for (const error of samples()) {
      const expected = [error.name, ...(ancestors[error.name] ?? [])].sort();
      for (const candidate of [error, fromAnotherCopy(error)]) {
        const matched = classes.filter((type) => type.is(candidate)).map((type) => type.name);
        expect(
          matched.sort(),
          `${error.name} ${candidate === error ? '' : '(another copy)'}`,
        ).toEqual(expected);
        expect(PassfortWebhookError.is(candidate)).toBe(true);
      }
    }
  });

  it('recognises nothing else as one of its errors', () => {
    for (const value of [
      new Error('plain'),
      Object.assign(new Error('a code of its own'), { code: 'ECONNRESET', status: 503 }),
      Object.assign(new Error('no status'), { code: 'HANDLER_FAILED' }),
      { code: 'HANDLER_FAILED', status: 500, name: 'HandlerError' },
      'HANDLER_FAILED',
      undefined,
    ]) {
      expect(PassfortWebhookError.is(value)).toBe(false);
      expect(HandlerError.is(value)).toBe(false);
    }
  });
});

describe('errors as the receiver raises them', () => {
  it('answers a request to a closing receiver with ReceiverClosingError’s 503', async () => {
    const webhooks = createPassfortWebhooks({ secret: SECRET });
    await webhooks.close();
    const response = await webhooks.handle({
      method: 'POST',
      headers: bearer(),
      body: JSON.stringify(productStatusChanged(webhookId(1))),
    });
    expect(response.status).toBe(503);
    expect(JSON.parse(response.body)).toMatchObject({ error: { code: 'SHUTTING_DOWN' } });
  });

  it('refuses to replay an id that is not a dead letter with DeadLetterNotFoundError', async () => {
    const webhooks = createPassfortWebhooks({ secret: SECRET, store: memoryStore() });
    const replay = webhooks.deadLetters.replay('not-a-dead-letter');
    await expect(replay).rejects.toBeInstanceOf(DeadLetterNotFoundError);
    await expect(replay).rejects.toMatchObject({ code: 'DEAD_LETTER_NOT_FOUND', status: 404 });
    await webhooks.close();
  });

  it('answers a refused address with ForbiddenAddressError’s 403', async () => {
    const webhooks = createPassfortWebhooks({ secret: SECRET, allowIps: ['10.0.0.0/8'] });
    const response = await webhooks.handle({
      method: 'POST',
      headers: bearer(),
      body: JSON.stringify(productStatusChanged(webhookId(1))),
      ip: '192.0.2.1',
    });
    expect(response.status).toBe(403);
    expect(JSON.parse(response.body)).toMatchObject({ error: { code: 'FORBIDDEN_IP' } });
    await webhooks.close();
  });
});
