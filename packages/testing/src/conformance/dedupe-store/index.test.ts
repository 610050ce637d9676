/**
 * The store kit on a store without the optional `processedSince`: its case is skipped with the
 * reason, through whichever skip the runner offers, and never fails the store.
 */
import { memoryStore } from '@passfort-webhooks/core';
import type { DedupeStore } from '@passfort-webhooks/core/store';
import { describe, expect, it, vi } from 'vitest';
import { dedupeStoreConformanceCases } from './index.js';

function withoutProcessedSince(retentionMs: number): DedupeStore {
  const { processedSince: _, ...store } = memoryStore({ retentionMs });
  return store;
}

const cases = dedupeStoreConformanceCases(async ({ retentionMs }) => {
  const store = withoutProcessedSince(retentionMs);
  return { store, another: async () => store, cleanup: async () => {} };
});
const optional = cases.find((check) => check.name.startsWith('processedSince (optional)'))!;

describe('the dedupe store kit on a store without processedSince', () => {
  // Run as vitest runs them: the processedSince case is reported skipped, the rest pass.
  for (const check of cases) it(check.name, check.run);

  it('skips the processedSince case through the runner’s skip(note), with the reason', async () => {
    const notes: string[] = [];
    // node:test's t.skip(message) marks the test and returns: the case must then end quietly.
    const run = optional.run as (context: { skip(note: string): void }) => Promise<void>;
    await run({ skip: (note) => void notes.push(note) });
    expect(notes).toEqual([expect.stringMatching(/no processedSince\(\) \(optional\)/)]);
  });

  it('warns with the reason under a runner that passes no context', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    try {
      await optional.run();
      expect(warn).toHaveBeenCalledWith(expect.stringMatching(/skipped: processedSince/));
    } finally {
      warn.mockRestore();
    }
  });

  it('still fails a store whose processedSince breaks the contract', async () => {
    const broken = dedupeStoreConformanceCases(async () => {
      // Answers, but never finds anything: the case must say which expectation failed.
      const store: DedupeStore = {
        ...memoryStore(),
        processedSince: () => ({ count: 0, webhooks: [] }),
      };
      return { store, another: async () => store, cleanup: async () => {} };
    }).find((check) => check.name.startsWith('processedSince (optional)'));
    await expect(broken!.run()).rejects.toThrow(/one completion/);
  });
});
