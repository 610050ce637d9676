import { describe, expect, it } from 'vitest';
import type { CompleteOptions, DedupeStore } from '../../stores/dedupe-store.js';
import { memoryStore } from '../../stores/memory/memory-store.js';
import { GroupedCompletions } from './grouped-completions.js';
import { unrecordedRuns } from './unrecorded-runs.js';

/** A store whose complete() waits until the test lets each write finish. */
function slowStore() {
  const writes: { ids: string[]; finish(error?: Error): void }[] = [];
  const store = {
    ...memoryStore(),
    complete: (ids: readonly string[]) =>
      new Promise<void>((resolve, reject) => {
        writes.push({ ids: [...ids], finish: (error) => (error ? reject(error) : resolve()) });
      }),
  } satisfies DedupeStore;
  return { store, writes };
}

describe('GroupedCompletions', () => {
  it('writes the first id at once and groups those finishing while it is in flight', async () => {
    const { store, writes } = slowStore();
    const completions = new GroupedCompletions(store);
    const first = completions.add('a');
    const second = completions.add('b');
    expect(completions.add('c')).toBe(second);
    expect(writes.map((write) => write.ids)).toEqual([['a']]);
    writes[0]!.finish();
    await first.written();
    expect(first.settled && !first.failed).toBe(true);
    expect(writes.map((write) => write.ids)).toEqual([['a'], ['b', 'c']]);
    expect(second.settled).toBe(false);
    writes[1]!.finish();
    await expect(second.written()).resolves.toBeUndefined();
  });

  it('records each id at once, with nothing to await, on a store that answers synchronously', () => {
    const completed: string[][] = [];
    const store = {
      ...memoryStore(),
      complete: (ids: readonly string[]) => void completed.push([...ids]),
    };
    const completions = new GroupedCompletions(store);
    const a = completions.add('a');
    const b = completions.add('b');
    expect(completed).toEqual([['a'], ['b']]);
    expect(a.settled && b.settled && !a.failed).toBe(true);
  });

  it('reports a failed write on its group and stops the delivery from starting more', async () => {
    const { store, writes } = slowStore();
    const completions = new GroupedCompletions(store);
    const group = completions.add('a');
    const down = new Error('store down');
    writes[0]!.finish(down);
    await expect(group.written()).rejects.toBe(down);
    expect(group.failed).toBe(true);
    expect(group.error).toBe(down);
    expect(completions.failed).toBe(true);
  });

  it('reports a store that throws synchronously the same way', async () => {
    const down = new Error('store down');
    const store = {
      ...memoryStore(),
      complete: () => {
        throw down;
      },
    };
    const completions = new GroupedCompletions(store);
    const group = completions.add('a');
    expect(completions.failed).toBe(true);
    await expect(group.written()).rejects.toBe(down);
    // A later id gets its own write and its own outcome, not the failed group's.
    const later = completions.add('b');
    expect(later).not.toBe(group);
    expect(later.failed).toBe(true);
  });

  it('keeps groups apart on a store that answers now synchronously, now with a promise', async () => {
    const written: string[][] = [];
    let pending: (() => void) | undefined;
    let call = 0;
    const store = {
      ...memoryStore(),
      complete: (ids: readonly string[]) => {
        written.push([...ids]);
        if (call++ % 2 === 0) return undefined;
        return new Promise<void>((resolve) => {
          pending = resolve;
        });
      },
    };
    const completions = new GroupedCompletions(store);
    const a = completions.add('a'); // synchronous
    const b = completions.add('b'); // a promise: in flight
    const c = completions.add('c');
    const d = completions.add('d');
    expect(a.settled && !a.failed).toBe(true);
    expect(b.settled).toBe(false);
    expect(c).toBe(d);
    expect(written).toEqual([['a'], ['b']]);
    pending!();
    await b.written();
    // c and d went out together, synchronously, as soon as b's write finished.
    expect(written).toEqual([['a'], ['b'], ['c', 'd']]);
    expect(c.settled && !c.failed).toBe(true);
    await expect(c.written()).resolves.toBeUndefined();
  });

  it('carries the profiles of the webhooks that name one, in the write that carries their ids', async () => {
    const writes: { ids: string[]; options: CompleteOptions | undefined; finish(): void }[] = [];
    const store = {
      ...memoryStore(),
      complete: (ids: readonly string[], options?: CompleteOptions) =>
        new Promise<void>((resolve) => {
          writes.push({ ids: [...ids], options, finish: resolve });
        }),
    } satisfies DedupeStore;
    const completions = new GroupedCompletions(store);
    const b = { id: 'b', event: 'CHECK_COMPLETED', profileId: 'p' };
    const d = { id: 'd', event: 'RISK_LEVEL_CHANGED', profileId: 'q' };
    const first = completions.add('a');
    completions.add('b', b);
    completions.add('c');
    completions.add('d', d);
    writes[0]!.finish();
    await first.written();
    expect(writes.map(({ ids, options }) => [ids, options])).toEqual([
      [['a'], undefined],
      [['b', 'c', 'd'], { profiles: [b, d] }],
    ]);
  });

  it('passes no options, and shares one settled group, for webhooks without a profile on a synchronous store', () => {
    const calls: unknown[][] = [];
    const store = {
      ...memoryStore(),
      complete: (...args: unknown[]) => void calls.push(args),
    };
    const completions = new GroupedCompletions(store);
    const a = completions.add('a');
    expect(completions.add('b')).toBe(a);
    const profile = { id: 'c', event: 'CHECK_COMPLETED', profileId: 'p' };
    expect(completions.add('c', profile).settled).toBe(true);
    expect(calls).toEqual([[['a']], [['b']], [['c'], { profiles: [profile] }]]);
  });

  it('carries the next webhook’s start on each write, and a start with no write to ride on alone, once a write is free', async () => {
    const writes: { ids: string[]; options: CompleteOptions | undefined; finish(): void }[] = [];
    const store = {
      ...memoryStore(),
      complete: (ids: readonly string[], options?: CompleteOptions) =>
        new Promise<void>((resolve) => {
          writes.push({ ids: [...ids], options, finish: resolve });
        }),
    } satisfies DedupeStore;
    const logger = { warn: () => {} };
    const completions = new GroupedCompletions(store, { owner: 'me', logger }, () => true);
    completions.start('a'); // the first to run after ids already done: a write of its own
    completions.next = 'b';
    const first = completions.add('a'); // in flight meanwhile: gathered, with b's start
    completions.next = 'c';
    completions.add('b');
    writes[0]!.finish();
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(writes.map(({ ids, options }) => [ids, options])).toEqual([
      [[], { owner: 'me', started: 'a' }],
      [['a', 'b'], { owner: 'me', started: 'c' }],
    ]);
    writes[1]!.finish();
    await first.written();
  });

  it('remembers the runs a failed write could not count, and forgets them once the id completes', async () => {
    const memory = memoryStore();
    let down = true;
    const store: DedupeStore = {
      ...memory,
      complete: (ids, options) =>
        down ? Promise.reject(new Error('store down')) : memory.complete(ids, options),
    };
    const completions = new GroupedCompletions(
      store,
      { owner: 'me', logger: {} },
      (id) => id !== 'c',
    );
    completions.countedByClaim('a');
    completions.next = 'b';
    const group = completions.add('a');
    await group.written().catch(() => {});
    // b started (its start rode on the failed write), then completed in a write that failed too.
    completions.next = 'c';
    await completions
      .add('b')
      .written()
      .catch(() => {});
    // a was counted by the claim; b's run is remembered once; c never started.
    expect([...(unrecordedRuns(store) ?? [])]).toEqual([['b', 1]]);
    down = false;
    await new GroupedCompletions(store).add('b').written();
    expect(unrecordedRuns(store)?.size).toBe(0);
  });

  it('logs the ids the store refused, and marks the delivery lost', () => {
    const warnings: unknown[][] = [];
    const store = { ...memoryStore(), complete: () => ({ refused: ['a'] }) };
    const completions = new GroupedCompletions(store, {
      owner: 'me',
      logger: { warn: (...args: unknown[]) => void warnings.push(args) },
    });
    completions.add('a');
    expect(completions.lost).toBe(true);
    expect(completions.refused).toEqual(['a']);
    expect(warnings).toEqual([
      [
        { ids: ['a'] },
        "completion refused: another delivery took the claim over after this one's lease ended",
      ],
    ]);
  });
});
