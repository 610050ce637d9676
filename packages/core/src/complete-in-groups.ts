import type { DedupeStore } from './dedupe-store.js';

interface Group {
  readonly ids: string[];
  readonly written: Promise<void>;
  resolve(): void;
  reject(error: unknown): void;
}

function newGroup(): Group {
  let resolve!: () => void;
  let reject!: (error: unknown) => void;
  const written = new Promise<void>((onWritten, onFailed) => {
    resolve = onWritten;
    reject = onFailed;
  });
  // Observed by whoever records the id; never an unhandled rejection on its own.
  written.catch(() => {});
  return { ids: [], written, resolve, reject };
}

/**
 * Records completed ids as soon as each finishes, grouping the ones that finish while a
 * write is in flight into the next write. Fast handlers cost two store round trips per
 * batch; slow ones get their own write right away, so a crash loses no finished record.
 * Every id of a group gets the same promise (one per write, not one per webhook).
 */
export function completeInGroups(store: DedupeStore): (id: string) => Promise<void> {
  let next: Group | undefined;
  let writing = false;

  async function write(): Promise<void> {
    writing = true;
    while (next !== undefined) {
      const group = next;
      next = undefined;
      try {
        await store.complete(group.ids);
        group.resolve();
      } catch (error) {
        group.reject(error);
      }
    }
    writing = false;
  }

  return (id) => {
    next ??= newGroup();
    const group = next;
    group.ids.push(id);
    if (!writing) void write();
    return group.written;
  };
}
