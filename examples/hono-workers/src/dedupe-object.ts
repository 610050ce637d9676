/**
 * A Durable Object holding the dedupe state. A Durable Object runs one request at a time
 * and its storage is transactional and strongly consistent, which is what claims need;
 * Workers KV is eventually consistent, so two deliveries could both "win" an id there.
 */
import type { ClaimOutcome, DeadLetter } from '@passfort-webhooks/core/store';

interface Entry {
  state: 'claimed' | 'released' | 'done';
  leaseUntil: number;
  attempts: number;
  expiresAt: number;
  /** The receiver that claimed it (fencing): another one cannot renew, complete or release it. */
  owner?: string | undefined;
}

interface DurableObjectStorage {
  get<T>(keys: string[]): Promise<Map<string, T>>;
  get<T>(key: string): Promise<T | undefined>;
  put(entries: Record<string, unknown>): Promise<void>;
  delete(key: string): Promise<boolean>;
  list<T>(options: { prefix: string; limit?: number }): Promise<Map<string, T>>;
}

const RETENTION_MS = 7 * 24 * 60 * 60 * 1000;
const chunks = <T>(items: readonly T[], size = 128) =>
  Array.from({ length: Math.ceil(items.length / size) }, (_, i) =>
    items.slice(i * size, i * size + size),
  );

export class WebhookDedupeObject {
  readonly #storage: DurableObjectStorage;

  constructor(state: { storage: DurableObjectStorage }) {
    this.#storage = state.storage;
  }

  async fetch(request: Request): Promise<Response> {
    const operation = new URL(request.url).pathname.slice(1);
    const body = (await request.json()) as Record<string, unknown>;
    return Response.json(await this.#run(operation, body));
  }

  async #entries(ids: readonly string[]): Promise<Map<string, Entry>> {
    const found = new Map<string, Entry>();
    for (const part of chunks(ids)) {
      for (const [key, value] of await this.#storage.get<Entry>(part.map((id) => `id:${id}`)))
        found.set(key.slice(3), value);
    }
    return found;
  }

  async #put(entries: Record<string, unknown>): Promise<void> {
    const keys = Object.keys(entries);
    for (const part of chunks(keys))
      await this.#storage.put(Object.fromEntries(part.map((key) => [key, entries[key]])));
  }

  async #run(operation: string, body: Record<string, unknown>): Promise<unknown> {
    const now = Date.now();
    const ids = (body['ids'] as string[] | undefined) ?? [];
    const owner = body['owner'] as string | undefined;
    // A call naming no owner, or an id claimed by none, is not checked (as in the core stores).
    const heldByOther = (entry: Entry | undefined) =>
      entry?.state === 'claimed' &&
      owner !== undefined &&
      entry.owner !== undefined &&
      entry.owner !== owner;
    switch (operation) {
      case 'claim': {
        const entries = await this.#entries(ids);
        const writes: Record<string, Entry> = {};
        const outcomes = ids.map((id): ClaimOutcome => {
          const entry = entries.get(id);
          if (entry?.state === 'done' && entry.expiresAt > now) return { status: 'done' };
          if (entry?.state === 'claimed' && entry.leaseUntil > now) return { status: 'busy' };
          const attempts = (entry?.state === 'done' ? 0 : (entry?.attempts ?? 0)) + 1;
          writes[`id:${id}`] = {
            state: 'claimed',
            leaseUntil: now + (body['leaseMs'] as number),
            attempts,
            expiresAt: now + RETENTION_MS,
            owner,
          };
          return { status: 'claimed', attempt: attempts };
        });
        await this.#put(writes);
        return outcomes;
      }
      case 'renew': {
        // Only a live claim is extended: an ended lease may already belong to a redelivery.
        const entries = await this.#entries(ids);
        const writes: Record<string, Entry> = {};
        for (const [id, entry] of entries) {
          if (entry.state !== 'claimed' || entry.leaseUntil <= now || heldByOther(entry)) continue;
          writes[`id:${id}`] = { ...entry, leaseUntil: now + (body['leaseMs'] as number) };
        }
        await this.#put(writes);
        return null;
      }
      case 'complete': {
        const entries = await this.#entries(ids);
        const refused = ids.filter((id) => heldByOther(entries.get(id)));
        await this.#put(
          Object.fromEntries(
            ids
              .filter((id) => !refused.includes(id))
              .map((id) => [
                `id:${id}`,
                { state: 'done', leaseUntil: 0, attempts: 0, expiresAt: now + RETENTION_MS },
              ]),
          ),
        );
        return { refused };
      }
      case 'release': {
        const entries = await this.#entries(ids);
        const writes: Record<string, Entry> = {};
        for (const [id, entry] of entries) {
          if (entry.state !== 'claimed' || heldByOther(entry)) continue;
          writes[`id:${id}`] = {
            ...entry,
            state: 'released',
            leaseUntil: 0,
            attempts: body['failed'] === true ? entry.attempts : entry.attempts - 1,
          };
        }
        await this.#put(writes);
        return null;
      }
      case 'add-dead-letter': {
        const letter = body['letter'] as DeadLetter;
        await this.#put({
          [`id:${letter.id}`]: {
            state: 'done',
            leaseUntil: 0,
            attempts: letter.attempts,
            expiresAt: now + RETENTION_MS,
          },
          [`dead:${letter.id}`]: letter,
        });
        return null;
      }
      case 'list-dead-letters': {
        const letters = [...(await this.#storage.list<DeadLetter>({ prefix: 'dead:' })).values()];
        return letters
          .sort((a, b) => a.failedAt - b.failedAt)
          .slice(0, (body['limit'] as number | undefined) ?? 100);
      }
      case 'get-dead-letter':
        return (await this.#storage.get<DeadLetter>(`dead:${body['id'] as string}`)) ?? null;
      case 'delete-dead-letter':
        return this.#storage.delete(`dead:${body['id'] as string}`);
      case 'count-dead-letters':
        return (await this.#storage.list({ prefix: 'dead:' })).size;
      default:
        throw new Error(`unknown operation ${operation}`);
    }
  }
}
