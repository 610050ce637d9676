import type { DedupeStore } from '@passfort-webhooks/core/store';

/** The part of a Durable Object namespace binding the store uses. */
export interface DurableObjectNamespaceLike {
  idFromName(name: string): unknown;
  get(id: unknown): { fetch(url: string, init: RequestInit): Promise<Response> };
}

/**
 * A DedupeStore for Cloudflare Workers backed by one Durable Object (see dedupe-object.ts):
 * every batch operation is one request to it, run atomically there. It renews leases, so the
 * receiver keeps its claims short (9 s, renewed every third of it while a handler runs) instead
 * of 60 s: a Worker cancelled mid-handler holds its webhooks seconds, not a minute; and it
 * checks owners, so a delivery that outlived its lease cannot complete what another took over.
 */
export function durableObjectStore(
  namespace: DurableObjectNamespaceLike,
  name = 'passfort-webhooks',
): DedupeStore {
  async function call<T>(operation: string, body: Record<string, unknown>): Promise<T> {
    // A stub is an I/O object of the request that made it: get one per call.
    const stub = namespace.get(namespace.idFromName(name));
    const response = await stub.fetch(`https://dedupe/${operation}`, {
      method: 'POST',
      body: JSON.stringify(body),
    });
    if (!response.ok) throw new Error(`dedupe object ${operation} failed with ${response.status}`);
    return (await response.json()) as T;
  }
  return {
    claim: (ids, { leaseMs, owner }) => call('claim', { ids, leaseMs, owner }),
    renew: (ids, { leaseMs, owner }) => call('renew', { ids, leaseMs, owner }),
    complete: (ids, options) => call('complete', { ids, owner: options?.owner }),
    release: (ids, options) =>
      call('release', { ids, failed: options?.failed === true, owner: options?.owner }),
    addDeadLetter: (letter) => call('add-dead-letter', { letter }),
    listDeadLetters: (options) => call('list-dead-letters', { limit: options?.limit }),
    getDeadLetter: async (id) => (await call('get-dead-letter', { id })) ?? undefined,
    deleteDeadLetter: (id) => call('delete-dead-letter', { id }),
    countDeadLetters: () => call('count-dead-letters', {}),
  };
}
