import type { DedupeStore } from './dedupe-store.js';

/**
 * Records completed ids as soon as each finishes, grouping the ones that finish while a
 * write is in flight into the next write. Fast handlers cost two store round trips per
 * batch; slow ones get their own write right away, so a crash loses no finished record.
 */
export function completeInGroups(store: DedupeStore): (id: string) => Promise<void> {
  let waiting: { id: string; resolve: () => void; reject: (error: unknown) => void }[] = [];
  let writing = false;

  async function write(): Promise<void> {
    writing = true;
    while (waiting.length > 0) {
      const group = waiting;
      waiting = [];
      try {
        await store.complete(group.map((entry) => entry.id));
        for (const entry of group) entry.resolve();
      } catch (error) {
        for (const entry of group) entry.reject(error);
      }
    }
    writing = false;
  }

  return (id) =>
    new Promise<void>((resolve, reject) => {
      waiting.push({ id, resolve, reject });
      if (!writing) void write();
    });
}
